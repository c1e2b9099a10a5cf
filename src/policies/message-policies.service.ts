import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import type { IntegrationEntity } from '../integrations/integration.entity';
import { IntegrationsService } from '../integrations/integrations.service';
import type { TurnPolicy } from '../../workflows/definitions';
import { effectivePolicy, type MessagePolicy, type StoredPolicy } from './message-policy';

/** Reads and changes an integration's message policies; gives each turn the part its workflow needs. */
@Injectable()
export class MessagePoliciesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly integrations: IntegrationsService,
  ) {}

  effective(integration: IntegrationEntity): MessagePolicy {
    return effectivePolicy(this.config.policyDefaults, integration.messagePolicy);
  }

  async get(integrationId: string): Promise<{ policy: MessagePolicy; overrides: StoredPolicy }> {
    const integration = await this.integrations.get(integrationId);
    return { policy: this.effective(integration), overrides: integration.messagePolicy ?? {} };
  }

  /** Replaces the integration's overrides (what is left out follows the defaults). */
  async replace(integrationId: string, overrides: StoredPolicy): Promise<{ policy: MessagePolicy; overrides: StoredPolicy }> {
    const integration = await this.integrations.update(integrationId, { messagePolicy: overrides });
    return { policy: this.effective(integration), overrides: integration.messagePolicy };
  }

  /** The policy a conversation workflow applies to its next turns. */
  async forTurn(integrationId: string): Promise<TurnPolicy> {
    const policy = this.effective(await this.integrations.get(integrationId));
    const turn: TurnPolicy = {
      messagesPerMinute: policy.limits.customerMessagesPerMinute,
      throttledReplyIntervalMs: policy.limits.throttledReplyIntervalSeconds * 1000,
      holdingMessageMs: policy.holdingMessageSeconds * 1000,
    };
    if (policy.businessHours) turn.businessHours = policy.businessHours;
    return turn;
  }
}
