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

/** What the activities need, built by the application's dependency injection (or a test). */
export interface ActivityDeps {
  conversations: Pick<ConversationsService, 'recordInbound' | 'recordReply' | 'recordStatusChange' | 'recentConversations' | 'knowsInbound'>;
  integrations: Pick<IntegrationsService, 'resolveById' | 'pause' | 'list'>;
  waitingTurns: Pick<WaitingTurnsService, 'register' | 'remove'>;
  alerts: Pick<AlertsService, 'raise'>;
  llm: Pick<LlmService, 'configured' | 'reply' | 'handoffNotice'>;
  twilio: Pick<TwilioClients, 'get'>;
  policies: Pick<MessagePoliciesService, 'forTurn' | 'effective'>;
  usage: Pick<UsageService, 'spentBudget' | 'record'>;
  screen: Pick<MessageScreenService, 'screen'>;
  config: AppConfig;
}
