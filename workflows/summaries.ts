import { ActivityFailure, log, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ConversationInput } from './definitions';

/**
 * Conversations write a summary for staff at each hand-off and close. Histories from before this
 * patch replay without the activity.
 */
export const CONVERSATION_SUMMARIES = 'conversation-summaries';

const { summarizeConversation } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '15m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * Summaries a conversation has started and not yet finished. They run beside the conversation: the
 * hand-off notice, the status change and the next customer message never wait for one. The
 * conversation waits for them only before it continues as new.
 */
export class ConversationSummaries {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly input: ConversationInput) {}

  /** Starts the summary of the status change numbered `sequence`; its failure is logged, never thrown. */
  start(trigger: 'handoff' | 'close', sequence: number): void {
    if (!patched(CONVERSATION_SUMMARIES)) return;
    const { integrationId, conversationSid } = this.input;
    const run: Promise<void> = summarizeConversation({ integrationId, conversationSid, trigger, sequence }).then(
      () => undefined,
      (err: Error) => log.error('Conversation summary not stored', { trigger, sequence, error: (err instanceof ActivityFailure ? err.cause?.message : undefined) ?? err.message }),
    );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Resolves once every summary started has finished (stored or given up). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }
}
