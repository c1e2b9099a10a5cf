import type { AlertsService } from '../src/alerts/alerts.service';
import type { AppConfig } from '../src/config/config';
import type { ConversationsService } from '../src/conversations/conversations.service';
import type { IntegrationsService } from '../src/integrations/integrations.service';
import type { WaitingTurnsService } from '../src/integrations/waiting-turns.service';
import type { LlmService } from '../src/llm/llm.service';
import type { MessagePoliciesService } from '../src/policies/message-policies.service';
import type { UsageService } from '../src/policies/usage.service';
import type { MessageScreenService } from '../src/policies/message-screen.service';
import type { TwilioClients } from '../src/twilio/twilio-clients.service';
import type { ToolCallsService } from '../src/conversations/tool-calls.service';
import type { KnowledgeService } from '../src/knowledge/knowledge.service';
import type { ProductsService } from '../src/catalogue/products.service';
import type { OrdersService } from '../src/orders/orders.service';
import type { SettingsService } from '../src/settings/settings.service';
import type { PaymentsService } from '../src/payments/payments.service';
import type { AppointmentsService } from '../src/appointments/appointments.service';
import type { ReturnsService } from '../src/returns/returns.service';
import type { EventStore } from '../src/events/event-store.service';
import type { WebhookDeliveriesService } from '../src/webhooks/webhook-deliveries.service';
import type { HttpToolsService } from '../src/http-tools/http-tools.service';
import type { McpServersService } from '../src/mcp/mcp-servers.service';
import type { FollowUpsService } from '../src/follow-ups/follow-ups.service';
import type { CustomersService } from '../src/customers/customers.service';
import type { DeliveryReceiptsService } from '../src/deliveries/delivery-receipts.service';
import type { TimelineService } from '../src/customers/timeline.service';
import type { CampaignsService } from '../src/campaigns/campaigns.service';
import type { SegmentsService } from '../src/segments/segments.service';
import type { AutomationsService } from '../src/automations/automations.service';
import type { ConversationSummariesService } from '../src/reports/conversation-summaries.service';
import type { DailyDigestService } from '../src/reports/daily-digest.service';
import type { StaffService } from '../src/staff/staff.service';
import type { ChartsService } from '../src/charts/charts.service';
import type { DataQuestionsService } from '../src/analytics/data-questions.service';
import type { SemanticLayerService } from '../src/analytics/semantic-layer.service';

/** What the activities need, built by the application's dependency injection (or a test). */
export interface ActivityDeps {
  conversations: Pick<ConversationsService, 'recordInbound' | 'recordReply' | 'recordStatusChange' | 'recentConversations' | 'knowsInbound'>;
  integrations: Pick<IntegrationsService, 'resolveById' | 'pause' | 'list'>;
  waitingTurns: Pick<WaitingTurnsService, 'register' | 'remove'>;
  alerts: Pick<AlertsService, 'raise' | 'raiseOnce'>;
  llm: Pick<LlmService, 'configured' | 'reply' | 'handoffNotice' | 'step' | 'summarize' | 'json'>;
  twilio: Pick<TwilioClients, 'get'>;
  policies: Pick<MessagePoliciesService, 'forTurn' | 'effective'>;
  usage: Pick<UsageService, 'spentBudget' | 'record'>;
  screen: Pick<MessageScreenService, 'screen'>;
  toolCalls: Pick<ToolCallsService, 'record'>;
  knowledge: Pick<KnowledgeService, 'search' | 'recordGap'>;
  products: Pick<ProductsService, 'search'>;
  orders: Pick<OrdersService, 'price' | 'place' | 'forCustomer' | 'byId' | 'setPaymentLink' | 'markPaid' | 'cancel'>;
  settings: Pick<SettingsService, 'get'>;
  payments: Pick<PaymentsService, 'createLink'>;
  appointments: Pick<AppointmentsService, 'services' | 'service' | 'freeSlots' | 'checkSlot' | 'book' | 'customersBooking' | 'cancel' | 'reschedule' | 'upcomingFor' | 'byId' | 'markCompleted'>;
  returns: Pick<ReturnsService, 'check' | 'create' | 'transition'>;
  events: Pick<EventStore, 'record' | 'automationRuns' | 'automationRunsStarted'>;
  webhookDeliveries: Pick<WebhookDeliveriesService, 'target' | 'recordAttempt' | 'markFailed'>;
  followUps: Pick<FollowUpsService, 'schedule' | 'scheduledCount' | 'due' | 'finish'>;
  customers: Pick<CustomersService, 'get' | 'update' | 'latestInboundMessageId' | 'setConsentByKeyword'>;
  campaigns: Pick<CampaignsService, 'get' | 'setStatus' | 'takeSnapshot' | 'nextQueued' | 'recipient' | 'settleRecipient' | 'cancelQueued' | 'markAttempt'>;
  segments: Pick<SegmentsService, 'get' | 'refreshBehaviourTags'>;
  /** Automation rules as their runs read them when due. */
  automations: Pick<AutomationsService, 'definition' | 'event' | 'customerMatches' | 'setRunStatus' | 'latestConversation' | 'decryptSecret'>;
  timelines: Pick<TimelineService, 'agentSummary'>;
  /** Custom HTTP tools defined through the API. */
  httpTools: Pick<HttpToolsService, 'definition' | 'list'>;
  /** MCP servers registered through the API: their tools are custom tools too. */
  mcpServers: Pick<McpServersService, 'definition' | 'offered'>;
  /** Conversation summaries for staff, and the daily digest. */
  summaries: Pick<ConversationSummariesService, 'find' | 'source' | 'store'>;
  reports: Pick<DailyDigestService, 'yesterday' | 'compute'>;
  /** The staff registry: who receives staff messages and alerts, and where to write to them. */
  staff: Pick<StaffService, 'list' | 'byId' | 'byPhone' | 'conversationWith' | 'rememberConversation'>;
  deliveries: Pick<DeliveryReceiptsService, 'record' | 'awaitingReceipts'>;
  /** Chart pictures for staff's data questions, and their Twilio uploads. */
  charts: Pick<ChartsService, 'save' | 'get' | 'png' | 'setMediaSid'>;
  /** Staff's data questions: their record, the checked read-only runner, reports from metrics. */
  dataQuestions: Pick<DataQuestionsService, 'start' | 'finish' | 'run' | 'report' | 'scheduledReport'>;
  semantic: Pick<SemanticLayerService, 'contextFor'>;
  config: AppConfig;
}
