import type { SummarySource } from './conversation-summaries.service';
import { clip, extractiveSummary, summaryPrompt, SUMMARY_MAX_LENGTH, transcriptText } from './summary-text';

const source: SummarySource = {
  customerId: 'c-1',
  customerName: 'Lena',
  customerPhone: 'whatsapp:+4915112345678',
  escalation: { cause: 'llm_tool', reason: 'refund of 900 EUR' },
  closedBy: 'agent:Dana',
  lines: [
    { at: '2026-03-10T09:00:00.000Z', who: 'Customer', text: 'My order 1042 arrived broken' },
    { at: '2026-03-10T09:00:01.000Z', who: 'Tool', text: 'order_status {"number":"1042"} → ok' },
    { at: '2026-03-10T09:00:02.000Z', who: 'Bot', text: 'I am sorry! Let me get a person.' },
    { at: '2026-03-10T09:01:00.000Z', who: 'Customer', text: 'I want my money back' },
  ],
};

describe('summary texts', () => {
  test('the extractive summary: why, who, what the customer said, what the tools did', () => {
    expect(extractiveSummary('handoff', source)).toBe(
      'Handed to a person (llm tool: refund of 900 EUR). Customer: Lena (whatsapp:+4915112345678). ' +
        'Last from the customer: "My order 1042 arrived broken" / "I want my money back". Tools: order_status → ok.',
    );
    expect(extractiveSummary('close', source)).toMatch(/^Closed by Dana\. Customer: Lena/);
  });

  test('never longer than 600 characters, cut at a word', () => {
    const long = { ...source, lines: Array.from({ length: 10 }, (_, i) => ({ at: `2026-03-10T09:0${i}:00.000Z`, who: 'Customer', text: 'word '.repeat(100) })) };
    const summary = extractiveSummary('handoff', long);
    expect(summary.length).toBeLessThanOrEqual(SUMMARY_MAX_LENGTH);
    expect(clip('a '.repeat(400))).toMatch(/a…$/);
  });

  test('the model reads the transcript with the hand-off reason, and writes in the business language', () => {
    expect(transcriptText(source)).toContain('Handed to a person because: llm_tool (refund of 900 EUR)\nTranscript:\n[2026-03-10 09:00] Customer: My order 1042 arrived broken');
    expect(summaryPrompt('handoff', 'de')).toContain('Write in German.');
    expect(summaryPrompt('close', undefined)).toContain('Write in English.');
  });
});
