import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { createTwilioClient, type TwilioClient } from './twilio-client.factory';

/** Twilio REST clients per account and token, reused across calls. */
@Injectable()
export class TwilioClients {
  private readonly clients = new Map<string, TwilioClient>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get(accountSid: string, authToken: string): TwilioClient {
    const key = `${accountSid}:${authToken}`;
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size > 100) this.clients.clear();
      client = createTwilioClient(accountSid, authToken, this.config.twilio.apiBaseUrl);
      this.clients.set(key, client);
    }
    return client;
  }
}
