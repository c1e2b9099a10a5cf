import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { HttpEmulator, readBody, sendJson, type BaseFailure } from './http-emulator';
import { accountResource, conversationResource, CONVERSATIONS_URL, errorResource, mediaResource, messageResource, participantResource, webhooksResource } from './twilio-resources';

/** An injected Twilio failure; `code` defaults to 20000 + status, `message` to the HTTP reason phrase. */
export interface TwilioFailure extends BaseFailure {
  code?: number;
  message?: string;
}

/** A conversation message created through the emulator, as recorded for assertions. */
export interface EmulatedMessage {
  sid: string;
  accountSid: string;
  conversationSid: string;
  author: string;
  body: string | null;
  attributes: string;
  mediaSid: string | undefined;
  contentSid: string | undefined;
  contentVariables: string | undefined;
  /** Twilio's aggregated delivery (`{ total, sent, delivered, read, failed, undelivered }`, each "all" | "some" | "none"), as a test sets it. */
  delivery?: Record<string, string | number>;
  index: number;
  dateCreated: Date;
  /** The `X-Twilio-Webhook-Enabled` request header, absent unless the caller asked for webhooks. */
  webhookEnabledHeader: string | undefined;
}

/** Bytes uploaded to the Media Content Service. */
export interface EmulatedMedia {
  sid: string;
  accountSid: string;
  serviceSid: string;
  contentType: string;
  bytes: Buffer;
  dateCreated: Date;
}

export interface WebhookConfiguration {
  preWebhookUrl: string | null;
  postWebhookUrl: string | null;
  method: string;
  filters: string[];
  target: string;
}

/** A conversation the agent opened through the API (customers' conversations exist without one). */
export interface EmulatedConversation {
  sid: string;
  accountSid: string;
  uniqueName: string | null;
  friendlyName: string | null;
  dateCreated: Date;
  participants: EmulatedParticipant[];
}

export interface EmulatedParticipant {
  sid: string;
  conversationSid: string;
  /** `messagingBinding.address`, e.g. `whatsapp:+34600111222`. */
  address: string;
  /** `messagingBinding.proxyAddress`: the business number. */
  proxyAddress: string;
  dateCreated: Date;
}

export interface TwilioRequestLogEntry {
  method: string;
  path: string;
  status: number;
  at: Date;
}

interface Account {
  sid: string;
  authToken: string;
  dateCreated: Date;
}

const ACCOUNT_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\.json$/;
const MESSAGES_PATH = /^\/v1\/Conversations\/([^/]+)\/Messages$/;
const MEDIA_PATH = /^\/v1\/Services\/([^/]+)\/Media$/;
const WEBHOOKS_PATH = '/v1/Configuration/Webhooks';
const CONVERSATIONS_PATH = '/v1/Conversations';
const CONVERSATION_PATH = /^\/v1\/Conversations\/([^/]+)$/;
const PARTICIPANTS_PATH = /^\/v1\/Conversations\/([^/]+)\/Participants$/;
const DEFAULT_WEBHOOKS: WebhookConfiguration = {
  preWebhookUrl: null,
  postWebhookUrl: null,
  method: 'POST',
  filters: [],
  target: 'webhook',
};

/** In-process Twilio REST API (accounts, Conversations messages and webhooks, Media Content Service). */
export class TwilioEmulator extends HttpEmulator<TwilioFailure> {
  readonly messages: EmulatedMessage[] = [];
  readonly media = new Map<string, EmulatedMedia>();
  readonly requests: TwilioRequestLogEntry[] = [];
  /** Conversations created through the API, by sid. */
  readonly conversations = new Map<string, EmulatedConversation>();
  private answersToDrop = 0;
  private readonly customerMessages: EmulatedMessage[] = [];
  private attempts = 0;
  private readonly accounts = new Map<string, Account>();
  private readonly webhookConfigurations = new Map<string, WebhookConfiguration>();
  private readonly events = new EventEmitter();

  static async start(opts: { port?: number } = {}): Promise<TwilioEmulator> {
    const emulator = new TwilioEmulator();
    await emulator.listen(opts.port);
    return emulator;
  }

  get baseUrl(): string {
    return this.origin;
  }

  /** Message-create requests received, including failed and unauthenticated ones. */
  get createAttempts(): number {
    return this.attempts;
  }

  addAccount(accountSid: string, authToken: string): void {
    this.accounts.set(accountSid, { sid: accountSid, authToken, dateCreated: new Date() });
  }

  setAuthToken(accountSid: string, token: string): void {
    const account = this.accounts.get(accountSid);
    if (!account) throw new Error(`Unknown emulated account ${accountSid}`);
    account.authToken = token;
  }

  /**
   * A customer's message that Twilio stored but whose webhook never reached the agent. Kept apart
   * from `messages` (what the agent sent); listing a conversation returns both, in time order.
   */
  addCustomerMessage(accountSid: string, conversationSid: string, m: { author: string; body: string; dateCreated: Date }): EmulatedMessage {
    const message: EmulatedMessage = {
      sid: newSid('IM'),
      accountSid,
      conversationSid,
      author: m.author,
      body: m.body,
      attributes: '{}',
      index: this.messagesFor(conversationSid).length,
      dateCreated: m.dateCreated,
      mediaSid: undefined,
      contentSid: undefined,
      contentVariables: undefined,
      webhookEnabledHeader: undefined,
    };
    this.customerMessages.push(message);
    return message;
  }

  /** The next `n` message creates are stored, then the connection is cut before the answer. */
  dropAnswersAfterCreate(n: number): void {
    this.answersToDrop = n;
  }

  /** Calls `listener` for every message the API accepts, as it accepts it; returns the unsubscribe. */
  onMessage(listener: (message: EmulatedMessage) => void): () => void {
    this.events.on('message', listener);
    return () => this.events.off('message', listener);
  }

  /** The created conversation that has a participant with this address (e.g. `whatsapp:+34600111222`). */
  conversationWith(address: string): EmulatedConversation | undefined {
    return [...this.conversations.values()].find((c) => c.participants.some((p) => p.address === address));
  }

  messagesFor(conversationSid: string): EmulatedMessage[] {
    return this.messages.filter((message) => message.conversationSid === conversationSid);
  }

  /** The latest configuration the account set, or undefined if it never set one. */
  webhookConfiguration(accountSid: string): WebhookConfiguration | undefined {
    return this.webhookConfigurations.get(accountSid);
  }

  /** Resolves once at least `count` (matching) messages exist; rejects after `timeoutMs` (default 10 s). */
  waitForMessages(count: number, opts: { conversationSid?: string; timeoutMs?: number } = {}): Promise<EmulatedMessage[]> {
    const { conversationSid, timeoutMs = 10_000 } = opts;
    const matching = () => (conversationSid ? this.messagesFor(conversationSid) : [...this.messages]);
    const already = matching();
    if (already.length >= count) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const onMessage = () => {
        const found = matching();
        if (found.length < count) return;
        clearTimeout(timer);
        this.events.off('message', onMessage);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.events.off('message', onMessage);
        const scope = conversationSid ? ` in conversation ${conversationSid}` : '';
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${count} message(s)${scope}; got ${matching().length}`));
      }, timeoutMs);
      this.events.on('message', onMessage);
    });
  }

  /** Forgets messages, media, webhook configurations, the request log, failures and delay; keeps accounts. */
  reset(): void {
    this.messages.length = 0;
    this.media.clear();
    this.requests.length = 0;
    this.webhookConfigurations.clear();
    this.attempts = 0;
    this.answersToDrop = 0;
    this.customerMessages.length = 0;
    this.conversations.clear();
    this.clearFailures();
    this.setDelay(0);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = new Date();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.origin);
    const body = await readBody(req);
    if (method === 'POST' && MESSAGES_PATH.test(url.pathname)) this.attempts++;
    await this.applyDelay();
    const status = this.answer(req, res, url, body);
    this.requests.push({ method, path: url.pathname, status, at });
  }

  private answer(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): number {
    const account = this.authenticate(req.headers.authorization);
    if (!account) return sendError(res, 401, 20003, 'Authenticate');
    const failure = this.takeFailure(url.pathname);
    if (failure) {
      const { status, code = 20000 + status, message = STATUS_CODES[status] ?? 'Error' } = failure;
      return sendError(res, status, code, message, failure.retryAfterSeconds);
    }
    const path = url.pathname;
    const form = () => new URLSearchParams(body.toString('utf8'));
    const [, accountSid] = ACCOUNT_PATH.exec(path) ?? [];
    if (accountSid && req.method === 'GET') return this.fetchAccount(res, account, accountSid);
    const [, conversationSid] = MESSAGES_PATH.exec(path) ?? [];
    if (conversationSid && req.method === 'POST') {
      return this.createMessage(res, account, conversationSid, form(), req.headers['x-twilio-webhook-enabled']);
    }
    if (conversationSid && req.method === 'GET') return this.listMessages(res, account, conversationSid, url);
    if (path === WEBHOOKS_PATH && req.method === 'POST') return this.updateWebhooks(res, account, form());
    if (path === WEBHOOKS_PATH && req.method === 'GET') return sendJson(res, 200, this.webhooksOf(account.sid));
    if (path === CONVERSATIONS_PATH && req.method === 'POST') return this.createConversation(res, account, form());
    const [, conversationId] = CONVERSATION_PATH.exec(path) ?? [];
    if (conversationId && req.method === 'GET') return this.fetchConversation(res, account, conversationId);
    const [, participantsOf] = PARTICIPANTS_PATH.exec(path) ?? [];
    if (participantsOf && req.method === 'POST') return this.addParticipant(res, account, participantsOf, form());
    const [, serviceSid] = MEDIA_PATH.exec(path) ?? [];
    if (serviceSid && req.method === 'POST') return this.uploadMedia(res, account, serviceSid, req.headers['content-type'], body);
    return sendError(res, 404, 20404, `The requested resource ${path} was not found`);
  }

  private authenticate(header: string | undefined): Account | undefined {
    const [scheme, encoded] = header?.split(' ') ?? [];
    if (scheme !== 'Basic' || !encoded) return undefined;
    const credentials = Buffer.from(encoded, 'base64').toString('utf8');
    const separator = credentials.indexOf(':');
    const account = this.accounts.get(credentials.slice(0, separator));
    return separator > 0 && account?.authToken === credentials.slice(separator + 1) ? account : undefined;
  }

  private fetchAccount(res: ServerResponse, account: Account, accountSid: string): number {
    if (accountSid !== account.sid) return sendError(res, 404, 20404, `The requested resource /2010-04-01/Accounts/${accountSid}.json was not found`);
    return sendJson(res, 200, accountResource(account.sid, account.authToken, account.dateCreated));
  }

  private createMessage(res: ServerResponse, account: Account, conversationSid: string, form: URLSearchParams, webhookEnabledHeader: string | string[] | undefined): number {
    const body = form.get('Body');
    const mediaSid = form.get('MediaSid') ?? undefined;
    const contentSid = form.get('ContentSid') ?? undefined;
    if (!body && !mediaSid && !contentSid) return sendError(res, 400, 20001, 'A message needs a Body, MediaSid or ContentSid');
    if (mediaSid && !this.media.has(mediaSid)) return sendError(res, 400, 20001, `Media ${mediaSid} was not uploaded`);
    const message: EmulatedMessage = {
      sid: newSid('IM'),
      accountSid: account.sid,
      conversationSid,
      author: form.get('Author') ?? 'system',
      body,
      attributes: form.get('Attributes') ?? '{}',
      mediaSid,
      contentSid,
      contentVariables: form.get('ContentVariables') ?? undefined,
      index: this.messagesFor(conversationSid).length,
      dateCreated: new Date(),
      webhookEnabledHeader: Array.isArray(webhookEnabledHeader) ? webhookEnabledHeader.join(',') : webhookEnabledHeader,
    };
    this.messages.push(message);
    this.events.emit('message', message);
    if (this.answersToDrop > 0) {
      // Accepted, but the caller never hears it: as when a worker dies or the network cuts mid-request.
      this.answersToDrop--;
      res.destroy();
      return 0;
    }
    return sendJson(res, 201, messageResource(message, this.mediaOf(message)));
  }

  private listMessages(res: ServerResponse, account: Account, conversationSid: string, url: URL): number {
    const order = url.searchParams.get('Order') === 'desc' ? 'desc' : 'asc';
    const pageSize = Math.min(Math.max(Number(url.searchParams.get('PageSize')) || 50, 1), 1000);
    const page = Math.max(Number(url.searchParams.get('Page')) || 0, 0);
    const all = [...this.messagesFor(conversationSid), ...this.customerMessages.filter((m) => m.conversationSid === conversationSid)]
      .filter((message) => message.accountSid === account.sid)
      .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime());
    if (order === 'desc') all.reverse();
    const pageUrl = (n: number) =>
      `${CONVERSATIONS_URL}/Conversations/${conversationSid}/Messages?Order=${order}&PageSize=${pageSize}&Page=${n}`;
    return sendJson(res, 200, {
      messages: all.slice(page * pageSize, (page + 1) * pageSize).map((message) => messageResource(message, this.mediaOf(message))),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: pageUrl(0),
        previous_page_url: page > 0 ? pageUrl(page - 1) : null,
        url: pageUrl(page),
        next_page_url: (page + 1) * pageSize < all.length ? pageUrl(page + 1) : null,
        key: 'messages',
      },
    });
  }

  private updateWebhooks(res: ServerResponse, account: Account, form: URLSearchParams): number {
    const current = this.webhookConfigurations.get(account.sid) ?? DEFAULT_WEBHOOKS;
    this.webhookConfigurations.set(account.sid, {
      preWebhookUrl: form.has('PreWebhookUrl') ? form.get('PreWebhookUrl') : current.preWebhookUrl,
      postWebhookUrl: form.has('PostWebhookUrl') ? form.get('PostWebhookUrl') : current.postWebhookUrl,
      method: form.get('Method') ?? current.method,
      filters: form.has('Filters') ? form.getAll('Filters') : current.filters,
      target: form.get('Target') ?? current.target,
    });
    return sendJson(res, 200, this.webhooksOf(account.sid));
  }

  private uploadMedia(res: ServerResponse, account: Account, serviceSid: string, contentType: string | undefined, bytes: Buffer): number {
    if (bytes.length === 0) return sendError(res, 400, 20001, 'The media upload has no content');
    const media: EmulatedMedia = {
      sid: newSid('ME'),
      accountSid: account.sid,
      serviceSid,
      contentType: contentType ?? 'application/octet-stream',
      bytes,
      dateCreated: new Date(),
    };
    this.media.set(media.sid, media);
    return sendJson(res, 201, mediaResource(media));
  }

  /** Unique names are unique per account (Twilio: 50353). */
  private createConversation(res: ServerResponse, account: Account, form: URLSearchParams): number {
    const uniqueName = form.get('UniqueName');
    if (uniqueName && this.findConversation(account, uniqueName)) return sendError(res, 409, 50353, `Conversation with provided unique name already exists`);
    const conversation: EmulatedConversation = {
      sid: newSid('CH'), accountSid: account.sid, uniqueName, friendlyName: form.get('FriendlyName'), dateCreated: new Date(), participants: [],
    };
    this.conversations.set(conversation.sid, conversation);
    return sendJson(res, 201, conversationResource(conversation));
  }

  /**
   * By sid or by unique name, as Twilio allows. A customer's conversation (never created through the
   * API) exists once it has a message, sent or received, as it does at Twilio.
   */
  private fetchConversation(res: ServerResponse, account: Account, id: string): number {
    const conversation = this.findConversation(account, id) ?? this.implicitConversation(account, id);
    if (!conversation) return sendError(res, 404, 20404, `The requested resource /Conversations/${id} was not found`);
    return sendJson(res, 200, conversationResource(conversation));
  }

  /** One conversation per address and proxy address (Twilio: 50416 names the conversation that has it). */
  private addParticipant(res: ServerResponse, account: Account, id: string, form: URLSearchParams): number {
    const conversation = this.findConversation(account, id);
    if (!conversation) return sendError(res, 404, 20404, `The requested resource /Conversations/${id}/Participants was not found`);
    const address = form.get('MessagingBinding.Address');
    const proxyAddress = form.get('MessagingBinding.ProxyAddress');
    if (!address || !proxyAddress) return sendError(res, 400, 50338, 'MessagingBinding.Address and MessagingBinding.ProxyAddress are required');
    const holder = [...this.conversations.values()].find((c) => c.accountSid === account.sid && c.participants.some((p) => p.address === address && p.proxyAddress === proxyAddress));
    if (holder?.sid === conversation.sid) return sendError(res, 409, 50433, 'Participant already exists');
    if (holder) return sendError(res, 409, 50416, `A binding for this participant and proxy address already exists in Conversation ${holder.sid}`);
    const participant: EmulatedParticipant = { sid: newSid('MB'), conversationSid: conversation.sid, address, proxyAddress, dateCreated: new Date() };
    conversation.participants.push(participant);
    return sendJson(res, 201, participantResource(account.sid, participant));
  }

  private implicitConversation(account: Account, sid: string): EmulatedConversation | undefined {
    const first = [...this.messages, ...this.customerMessages]
      .filter((m) => m.accountSid === account.sid && m.conversationSid === sid)
      .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime())[0];
    return first && { sid, accountSid: account.sid, uniqueName: null, friendlyName: null, dateCreated: first.dateCreated, participants: [] };
  }

  private findConversation(account: Account, id: string): EmulatedConversation | undefined {
    return [...this.conversations.values()].find((c) => c.accountSid === account.sid && (c.sid === id || c.uniqueName === id));
  }

  private mediaOf(message: EmulatedMessage): EmulatedMedia | undefined {
    return message.mediaSid ? this.media.get(message.mediaSid) : undefined;
  }

  private webhooksOf(accountSid: string) {
    return webhooksResource(accountSid, this.webhookConfigurations.get(accountSid) ?? DEFAULT_WEBHOOKS);
  }
}

function sendError(res: ServerResponse, status: number, code: number, message: string, retryAfterSeconds?: number): number {
  return sendJson(res, status, errorResource(status, code, message), retryAfterSeconds);
}

function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}
