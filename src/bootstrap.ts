import { type INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { WorkerOptions } from '@temporalio/worker';
import { AppModule, type ProcessRoles } from './app.module';
import type { AppConfig } from './config/config';
import { ImportService } from './import/import.service';
import { IntegrationsService } from './integrations/integrations.service';
import { isStripeWebhook } from './payments/stripe-webhook.controller';
import { appLogger } from './logging/json-logger';
import { WorkerService } from './worker/worker.service';

export interface RunningApp {
  context: INestApplicationContext;
  /** The api's base URL as it listens (not PUBLIC_BASE_URL), when the api role runs. */
  url?: string;
  /** Settles when the worker stops, when the worker role runs. */
  workerStopped?: Promise<void>;
  close(): Promise<void>;
}

/**
 * Boots the application with the given roles: the single way every entry point (npm start, api,
 * worker) and the tests start it. The config must already carry resolved secrets and a Temporal address.
 */
export async function startApp(config: AppConfig, roles: ProcessRoles, opts: { workflowBundle?: WorkerOptions['workflowBundle']; logger?: false } = {}): Promise<RunningApp> {
  const module = AppModule.register(config, roles);
  // Nest makes it the static Logger's target too: every `new Logger(…)` writes in the same format.
  const logger = opts.logger === false ? false : appLogger(config);
  let context: INestApplicationContext;
  let url: string | undefined;
  if (roles.api) {
    const app = await NestFactory.create<NestExpressApplication>(module, { bodyParser: false, logger, abortOnError: false });
    // Stripe signs the exact bytes it sends: its webhook keeps them as a Buffer (the parsers below then skip it).
    app.useBodyParser('raw', { type: isStripeWebhook, limit: config.webhookBodyLimit });
    // Flat form fields (no nested parsing) exactly as Twilio signs them; bounded sizes answer 413.
    app.useBodyParser('urlencoded', { extended: false, limit: config.webhookBodyLimit, parameterLimit: 1000 });
    app.useBodyParser('json', { limit: config.webhookBodyLimit });
    app.enableShutdownHooks();
    await app.init();
    const integration = await app.get(IntegrationsService).ensureDefault();
    // Trying the product without any account: give the agent a shop to talk about.
    if (integration.kind === 'sandbox' && config.demoData) await app.get(ImportService).loadDemoIfEmpty();
    await app.listen(config.port, '0.0.0.0');
    const address = app.getHttpServer().address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
    context = app;
  } else {
    context = await NestFactory.createApplicationContext(module, { logger, abortOnError: false });
    context.enableShutdownHooks();
  }
  let workerStopped: Promise<void> | undefined;
  if (roles.worker) {
    workerStopped = context.get(WorkerService).run({ workflowBundle: opts.workflowBundle });
    workerStopped.catch((err: Error) => new Logger('Worker').error(`Worker failed: ${err.message}`));
  }
  return { context, url, workerStopped, close: () => context.close() };
}
