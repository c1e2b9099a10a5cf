import { ApplicationFailure } from '@temporalio/activity';
import { ChartError, checkIntent } from '../src/charts/chart-intent';
import { columnsOf, renderChart } from '../src/charts/render-chart';
import { uploadMedia } from '../src/twilio/media-upload';
import { isTwilioAuthError } from '../src/twilio/twilio-errors';
import type { ActivityDeps } from './deps';
import { authFailure, SendFailure, type SendResult, sendToConversation, toFailure } from './twilio.activities';
import { signedChartPath } from '../src/charts/chart-links';

/** The failure type of an intent that does not fit its rows: not retried, the model has to ask again. */
export const CHART_ERROR = 'ChartError';

export interface RenderDataChartInput {
  integrationId: string;
  /** The staff conversation the question came from, when there is one. */
  conversationSid?: string | null;
  question: string;
  /** The chart intent as the model returned it; validated here against the rows. */
  intent: unknown;
  rows: Record<string, unknown>[];
}

export interface RenderDataChartResult {
  chartId: string;
  /** Sandbox only: where the PNG was written under DATA_DIR. */
  path?: string;
}

export interface SendChartInput {
  integrationId: string;
  conversationSid: string;
  chartId: string;
  /** The answer's text, sent with the picture. */
  body: string;
  /** Stable across retries: the message is created once per key. */
  idempotencyKey: string;
  /**
   * Outside the 24-hour window: REPORT_TEMPLATE_CONTENT_SID (an approved media template, body `{{1}}`,
   * media `PUBLIC_BASE_URL/media/{{2}}`) with a signed link to the PNG, else the integration's text template.
   */
  asTemplate?: boolean;
}

export interface SendChartResult extends SendResult {
  /** The Twilio media (ME…) the picture was uploaded as; absent in the sandbox. */
  mediaSid?: string;
}

type ChartDeps = Pick<ActivityDeps, 'charts' | 'integrations' | 'twilio' | 'alerts' | 'config'>;

/** Chart pictures for data answers: drawn and stored, then sent into the conversation with the answer. */
export function createChartActivities(deps: ChartDeps) {
  return {
    async renderDataChart(input: RenderDataChartInput): Promise<RenderDataChartResult> {
      try {
        const intent = checkIntent(input.intent, columnsOf(input.rows), input.rows);
        const chart = await renderChart(intent, input.rows);
        const saved = await deps.charts.save({ integrationId: input.integrationId, conversationSid: input.conversationSid ?? null, question: input.question, intent, spec: chart.spec, png: chart.png });
        return { chartId: saved.id, ...(saved.path ? { path: saved.path } : {}) };
      } catch (err) {
        if (err instanceof ChartError) throw ApplicationFailure.create({ message: err.message, type: CHART_ERROR, nonRetryable: true });
        throw err;
      }
    },

    /**
     * Uploads the chart's PNG to Twilio's Media Content Service (once: the media sid is kept on the
     * chart and reused by a retry), then sends it with the answer's text under the send policy of
     * every message (`sendToConversation`). The sandbox uploads and sends nothing.
     */
    async sendChart(input: SendChartInput): Promise<SendChartResult> {
      const chart = await deps.charts.get(input.chartId);
      if (!chart || chart.integrationId !== input.integrationId) {
        throw ApplicationFailure.create({ message: `No chart ${input.chartId} for integration ${input.integrationId}`, type: CHART_ERROR, nonRetryable: true });
      }
      if (input.asTemplate) return sendAsTemplate(deps, input);
      const { integration, authToken } = await deps.integrations.resolveById(input.integrationId);
      // A paused integration uploads nothing either: sendToConversation refuses it below.
      const mediaSid = integration.kind === 'sandbox' || integration.status === 'paused'
        ? undefined
        : chart.mediaSid ?? (await upload(deps, { ...integration, authToken }, input.conversationSid, chart.id));
      const sent = await sendToConversation(deps, { integrationId: input.integrationId, conversationSid: input.conversationSid, idempotencyKey: input.idempotencyKey }, () => ({
        body: input.body,
        ...(mediaSid ? { mediaSid } : {}),
      }));
      return { ...sent, ...(mediaSid ? { mediaSid } : {}) };
    },
  };
}

/** WhatsApp's template limit on a variable is 1,024 characters. */
const TEMPLATE_TEXT = 1024;

function sendAsTemplate(deps: ChartDeps, input: SendChartInput): Promise<SendChartResult> {
  const { reportTemplateContentSid: mediaTemplate } = deps.config;
  const key = deps.config.credentialsKey;
  const text = input.body.length > TEMPLATE_TEXT ? `${input.body.slice(0, TEMPLATE_TEXT - 1)}…` : input.body;
  return sendToConversation(deps, { integrationId: input.integrationId, conversationSid: input.conversationSid, idempotencyKey: input.idempotencyKey, kind: 'template' }, (integration) => {
    if (mediaTemplate && key) return { contentSid: mediaTemplate, contentVariables: JSON.stringify({ 1: text, 2: signedChartPath(input.chartId, key) }) };
    if (!integration.templateContentSid) {
      throw ApplicationFailure.create({ message: 'No template is configured for this integration', type: SendFailure.rejected, nonRetryable: true });
    }
    return { contentSid: integration.templateContentSid, contentVariables: JSON.stringify({ 1: text }) };
  });
}

/**
 * The PNG to the conversation's Conversations service (which the conversation names), remembered on
 * the chart. Errors follow the sends: rejected credentials pause the integration, 429 and 5xx retry.
 */
async function upload(
  deps: ChartDeps,
  integration: { id: string; accountSid: string; authToken: string },
  conversationSid: string,
  chartId: string,
): Promise<string> {
  const png = await deps.charts.png(chartId);
  if (!png) throw ApplicationFailure.create({ message: `Chart ${chartId} has no picture`, type: CHART_ERROR, nonRetryable: true });
  let mediaSid: string;
  try {
    const conversation = await deps.twilio.get(integration.accountSid, integration.authToken).conversations.v1.conversations(conversationSid).fetch();
    mediaSid = await uploadMedia({
      accountSid: integration.accountSid,
      authToken: integration.authToken,
      chatServiceSid: conversation.chatServiceSid,
      bytes: png,
      contentType: 'image/png',
      filename: `chart-${chartId}.png`,
      apiBaseUrl: deps.config.twilio.apiBaseUrl,
    });
  } catch (err) {
    if (isTwilioAuthError(err)) throw await authFailure(deps, integration, err);
    throw toFailure(err);
  }
  return deps.charts.setMediaSid(chartId, mediaSid);
}
