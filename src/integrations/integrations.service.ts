import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, Logger, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { queryRows } from '../database/sql';
import { CredentialsCipher } from '../security/credentials-cipher';
import { SANDBOX_ACCOUNT_SID, SANDBOX_PHONE_NUMBER, sandboxAuthToken } from '../sandbox/sandbox';
import { TwilioClients } from '../twilio/twilio-clients.service';
import { isTwilioAuthError } from '../twilio/twilio-errors';
import type { StoredPolicy } from '../policies/message-policy';
import { type AnsweredEvent, IntegrationEntity } from './integration.entity';

/** An integration with its usable tokens decrypted, for the webhook and the activities only. */
export interface ResolvedIntegration {
  integration: IntegrationEntity;
  authToken: string;
  /** Tokens a webhook signature may be made with: the current one, then the previous one during rotation. */
  signingTokens: string[];
}

export interface IntegrationChanges {
  name?: string;
  authToken?: string;
  phoneNumber?: string;
  answeredEvent?: AnsweredEvent;
  systemPrompt?: string | null;
  templateContentSid?: string | null;
  messagePolicy?: StoredPolicy;
}

const CACHE_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 1_000;

@Injectable()
export class IntegrationsService {
  private readonly logger = new Logger(IntegrationsService.name);
  private readonly cipher: CredentialsCipher;
  private readonly cache = new Map<string, { value: ResolvedIntegration; expires: number }>();

  constructor(
    @InjectRepository(IntegrationEntity) private readonly repo: Repository<IntegrationEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly twilio: TwilioClients,
  ) {
    if (!config.credentialsKey) throw new Error('CREDENTIALS_KEY is not set');
    this.cipher = new CredentialsCipher(config.credentialsKey);
  }

  /** At boot: the integration from TWILIO_* when set, else the sandbox one. */
  async ensureDefault(): Promise<IntegrationEntity> {
    const { accountSid, authToken, phoneNumber } = this.config.twilio;
    if (accountSid && authToken && phoneNumber) {
      const existing = await this.repo.findOneBy({ accountSid });
      if (!existing) return this.insert({ kind: 'twilio', name: 'Default', accountSid, authToken, phoneNumber });
      const token = this.cipher.decrypt(existing.authTokenEncrypted);
      if (token !== authToken || existing.phoneNumber !== whatsappAddress(phoneNumber)) {
        return this.update(existing.id, { authToken: token !== authToken ? authToken : undefined, phoneNumber });
      }
      return existing;
    }
    const sandbox = await this.repo.findOneBy({ accountSid: SANDBOX_ACCOUNT_SID });
    if (sandbox) return sandbox;
    return this.insert({
      kind: 'sandbox',
      name: 'Sandbox',
      accountSid: SANDBOX_ACCOUNT_SID,
      authToken: sandboxAuthToken(this.config.credentialsKey!),
      phoneNumber: SANDBOX_PHONE_NUMBER,
    });
  }

  list(): Promise<IntegrationEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC' } });
  }

  async get(id: string): Promise<IntegrationEntity> {
    const found = await this.repo.findOneBy({ id });
    if (!found) throw new NotFoundException({ error: 'integration_not_found', message: `No integration ${id}` });
    return found;
  }

  /** Looks an integration up by the webhook's AccountSid; cached briefly, as every webhook needs it. */
  async resolveByAccountSid(accountSid: string): Promise<ResolvedIntegration | null> {
    const cached = this.cache.get(accountSid);
    if (cached && cached.expires > Date.now()) return cached.value;
    let integration: IntegrationEntity | null;
    try {
      integration = await this.repo.findOneBy({ accountSid });
    } catch (err) {
      // The database is unreachable: a known integration keeps validating webhooks from the last copy.
      if (cached) return cached.value;
      throw err;
    }
    if (!integration) return null; // unknown senders are not cached: they could fill the cache
    const value = this.resolve(integration);
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
    // The previous token stops validating when its window closes, not up to a cache lifetime later.
    const rotationEnds = value.signingTokens.length > 1 ? integration.previousAuthTokenValidUntil!.getTime() : Infinity;
    this.cache.set(accountSid, { value, expires: Math.min(Date.now() + CACHE_TTL_MS, rotationEnds) });
    return value;
  }

  async resolveById(id: string): Promise<ResolvedIntegration> {
    return this.resolve(await this.get(id));
  }

  /** Creates a Twilio integration after Twilio itself accepted the credentials. */
  async create(input: { name: string; accountSid: string; authToken: string; phoneNumber: string; answeredEvent?: AnsweredEvent; systemPrompt?: string; templateContentSid?: string }) {
    const existing = await this.repo.findOneBy({ accountSid: input.accountSid });
    if (existing) throw new ConflictException({ error: 'integration_exists', message: `Account ${input.accountSid} is already connected as integration ${existing.id}` });
    await this.verifyCredentials(input.accountSid, input.authToken);
    return this.insert({ kind: 'twilio', ...input });
  }

  async update(id: string, changes: IntegrationChanges): Promise<IntegrationEntity> {
    const integration = await this.get(id);
    if (changes.authToken !== undefined) {
      if (integration.kind === 'twilio') await this.verifyCredentials(integration.accountSid, changes.authToken);
      integration.previousAuthTokenEncrypted = integration.authTokenEncrypted;
      integration.previousAuthTokenValidUntil = new Date(Date.now() + this.config.tokenRotationWindowMinutes * 60_000);
      integration.authTokenEncrypted = this.cipher.encrypt(changes.authToken);
      integration.authTokenSetAt = new Date();
    }
    if (changes.name !== undefined) integration.name = changes.name;
    if (changes.phoneNumber !== undefined) integration.phoneNumber = whatsappAddress(changes.phoneNumber);
    if (changes.answeredEvent !== undefined) integration.answeredEvent = changes.answeredEvent;
    if (changes.systemPrompt !== undefined) integration.systemPrompt = changes.systemPrompt;
    if (changes.templateContentSid !== undefined) integration.templateContentSid = changes.templateContentSid;
    if (changes.messagePolicy !== undefined) integration.messagePolicy = changes.messagePolicy;
    const saved = await this.repo.save(integration);
    this.cache.delete(saved.accountSid);
    this.logger.log(`Integration ${saved.id} updated (${Object.keys(changes).filter((k) => k !== 'authToken' || changes.authToken).join(', ')})`);
    return saved;
  }

  async resume(id: string): Promise<IntegrationEntity> {
    const integration = await this.get(id);
    integration.status = 'active';
    integration.pausedReason = null;
    const saved = await this.repo.save(integration);
    this.cache.delete(saved.accountSid);
    return saved;
  }

  /**
   * Marks an integration paused (its credentials were rejected). Atomic: returns true only for the
   * call that changed it from active, so the incident is alerted once however many sends fail at once.
   */
  async pause(id: string, reason: string): Promise<boolean> {
    const changed = await queryRows<{ account_sid: string }>(
      this.repo.manager.connection,
      `UPDATE integrations SET status = 'paused', paused_reason = $2, updated_at = now() WHERE id = $1 AND status = 'active' RETURNING account_sid`,
      [id, reason.slice(0, 1000)],
    );
    this.cache.clear();
    if (changed.length > 0) this.logger.error(`Integration ${id} paused: ${reason}`);
    return changed.length > 0;
  }

  /**
   * Points the Conversations webhooks at this agent: the pre-action one for `onMessageAdd` (messages,
   * redaction) and the post-action one for `onDeliveryUpdated` (delivery receipts).
   */
  async configureWebhook(id: string): Promise<string> {
    const { integration, authToken } = await this.resolveById(id);
    const url = `${this.config.publicBaseUrl}/api/twilio/webhook`;
    await this.twilio
      .get(integration.accountSid, authToken)
      .conversations.v1.configuration.webhooks()
      .update({ preWebhookUrl: url, postWebhookUrl: url, filters: ['onMessageAdd', 'onDeliveryUpdated'], method: 'POST', target: 'webhook' });
    this.logger.log(`Twilio Conversations webhooks of integration ${id} set to ${url}`);
    return url;
  }

  private async verifyCredentials(accountSid: string, authToken: string): Promise<void> {
    try {
      await this.twilio.get(accountSid, authToken).api.v2010.accounts(accountSid).fetch();
    } catch (err) {
      if (isTwilioAuthError(err)) {
        throw new UnprocessableEntityException({ error: 'twilio_credentials_rejected', message: 'Twilio rejected the Account SID and Auth Token' });
      }
      throw new UnprocessableEntityException({ error: 'twilio_unreachable', message: `Could not verify the credentials with Twilio: ${(err as Error).message}` });
    }
  }

  private async insert(input: { kind: IntegrationEntity['kind']; name: string; accountSid: string; authToken: string; phoneNumber: string; answeredEvent?: AnsweredEvent; systemPrompt?: string; templateContentSid?: string }) {
    const entity = this.repo.create({
      id: randomUUID(),
      name: input.name,
      kind: input.kind,
      accountSid: input.accountSid,
      authTokenEncrypted: this.cipher.encrypt(input.authToken),
      authTokenSetAt: new Date(),
      previousAuthTokenEncrypted: null,
      previousAuthTokenValidUntil: null,
      phoneNumber: whatsappAddress(input.phoneNumber),
      agentIdentity: 'agent',
      status: 'active',
      pausedReason: null,
      answeredEvent: input.answeredEvent ?? 'onMessageAdd',
      systemPrompt: input.systemPrompt ?? null,
      templateContentSid: input.templateContentSid ?? null,
      messagePolicy: {},
    });
    const saved = await this.repo.save(entity).catch((err: unknown) => {
      // Two connects of one account at once: the unique key lets one through.
      if ((err as { code?: string }).code === '23505') throw new ConflictException({ error: 'integration_exists', message: `Account ${input.accountSid} is already connected` });
      throw err;
    });
    this.cache.delete(saved.accountSid);
    this.logger.log(`Integration ${saved.id} (${saved.kind}, ${saved.phoneNumber}) created`);
    return saved;
  }

  private resolve(integration: IntegrationEntity): ResolvedIntegration {
    const authToken = this.cipher.decrypt(integration.authTokenEncrypted);
    const signingTokens = [authToken];
    if (integration.previousAuthTokenEncrypted && integration.previousAuthTokenValidUntil && integration.previousAuthTokenValidUntil.getTime() > Date.now()) {
      signingTokens.push(this.cipher.decrypt(integration.previousAuthTokenEncrypted));
    }
    return { integration, authToken, signingTokens };
  }
}

/** Twilio's WhatsApp addresses carry the channel prefix: `whatsapp:+14155238886`. */
export function whatsappAddress(phone: string): string {
  return phone.startsWith('whatsapp:') ? phone : `whatsapp:${phone}`;
}
