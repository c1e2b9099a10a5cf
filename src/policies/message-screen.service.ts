import { Injectable, Logger } from '@nestjs/common';
import type { IntegrationEntity } from '../integrations/integration.entity';
import { BlockedSendersService } from './blocked-senders.service';
import { MessagePoliciesService } from './message-policies.service';
import { redact } from './redaction';

export type Screened = { blocked: true } | { blocked: false; body: string; redactions?: string[] };

/**
 * What happens to a customer message before anything keeps it: a blocked sender's is refused, and
 * sensitive data is redacted. One check for every way a message comes in (the webhook, the
 * reconciliation of messages whose webhook never arrived).
 */
@Injectable()
export class MessageScreenService {
  private readonly logger = new Logger(MessageScreenService.name);

  constructor(
    private readonly blockedSenders: BlockedSendersService,
    private readonly policies: MessagePoliciesService,
  ) {}

  async screen(integration: IntegrationEntity, author: string, body: string): Promise<Screened> {
    if (await this.blockedSenders.isBlocked(integration.id, author)) return { blocked: true };
    const redacted = redact(body, this.policies.effective(integration).redaction);
    if (redacted.timedOut) this.logger.warn(`A redaction pattern of integration ${integration.id} took too long; the message text was withheld`);
    return redacted.kinds.length > 0 ? { blocked: false, body: redacted.text, redactions: redacted.kinds } : { blocked: false, body };
  }
}
