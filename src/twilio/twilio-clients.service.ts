import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { SendPacer } from './send-pacer';
import { createTwilioClient, type TwilioClient } from './twilio-client.factory';

/** Twilio REST clients per account and token, reused across calls, paced to TWILIO_SENDS_PER_SECOND. */
@Injectable()
export class TwilioClients {
  private readonly clients = new Map<string, TwilioClient>();
  /** One pacer for the whole process: TWILIO_SENDS_PER_SECOND bounds every Twilio call it makes. */
  private readonly pacer: SendPacer;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.pacer = new SendPacer(config.twilioSendsPerSecond);
  }

  get(accountSid: string, authToken: string): TwilioClient {
    const key = `${accountSid}:${authToken}`;
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size > 100) this.clients.clear();
      client = createTwilioClient(accountSid, authToken, this.config.twilio.apiBaseUrl, this.pacer);
      this.clients.set(key, client);
    }
    return client;
  }
}
