import { existsSync } from 'node:fs';
import { AppointmentsService } from '../appointments/appointments.service';
import { ReturnsService } from '../returns/returns.service';
import { HttpToolsService } from '../http-tools/http-tools.service';
import { McpServersService } from '../mcp/mcp-servers.service';
import { EventStore } from '../events/event-store.service';
import { WebhookDeliveriesService } from '../webhooks/webhook-deliveries.service';
import { FollowUpsService } from '../follow-ups/follow-ups.service';
import { CustomersService } from '../customers/customers.service';
import { DeliveryReceiptsService } from '../deliveries/delivery-receipts.service';
import { SAFETY as PACER_SAFETY } from '../twilio/send-pacer';
import { TimelineService } from '../customers/timeline.service';
import { CampaignsService } from '../campaigns/campaigns.service';
import { SegmentsService } from '../segments/segments.service';
import { AutomationsService } from '../automations/automations.service';
import { ConversationSummariesService } from '../reports/conversation-summaries.service';
import { DailyDigestService } from '../reports/daily-digest.service';
import { StaffService } from '../staff/staff.service';
import { ChartsService } from '../charts/charts.service';
import { DataQuestionsService } from '../analytics/data-questions.service';
import { SemanticLayerService } from '../analytics/semantic-layer.service';
import { ensureDailyDigestSchedule } from '../reports/digest-schedule';
import { ensureTokenAgeSchedule } from '../integrations/token-age-schedule';
import { ProductsService } from '../catalogue/products.service';
import { ToolCallsService } from '../conversations/tool-calls.service';
import { KnowledgeService } from '../knowledge/knowledge.service';
import { OrdersService } from '../orders/orders.service';
import { PaymentsService } from '../payments/payments.service';
import { SettingsService } from '../settings/settings.service';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { temporalCoreLogging, temporalLogger } from '../logging/temporal-logger';
import { createActivities } from '../../activities';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { ConversationsService } from '../conversations/conversations.service';
import { IntegrationsService } from '../integrations/integrations.service';
import { WaitingTurnsService } from '../integrations/waiting-turns.service';
import { AlertsService } from '../alerts/alerts.service';
import { LlmService } from '../llm/llm.service';
import { MessagePoliciesService } from '../policies/message-policies.service';
import { UsageService } from '../policies/usage.service';
import { MessageScreenService } from '../policies/message-screen.service';
import { TwilioClients } from '../twilio/twilio-clients.service';
import { temporalConnectionOptions } from '../temporal/connection-options';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { taskQueues } from '../../workflows/definitions';
import { reconcileScheduleId } from '../../workflows/reconcile.workflow';
import { behaviourTagsScheduleId } from '../../workflows/behaviour-tags.workflow';


/**
 * Runs the Temporal workers: one for conversations (workflows, CRM and LLM activities) and one for
 * Twilio sends, each polling its task queue. Activities get the application's DI-built services.
 */
@Injectable()
export class WorkerService implements OnApplicationShutdown {
  private readonly logger = new Logger(WorkerService.name);
  private workers: Worker[] = [];
  private connection?: NativeConnection;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly conversations: ConversationsService,
    private readonly integrations: IntegrationsService,
    private readonly llm: LlmService,
    private readonly twilio: TwilioClients,
    private readonly waitingTurns: WaitingTurnsService,
    private readonly alerts: AlertsService,
    private readonly policies: MessagePoliciesService,
    private readonly usage: UsageService,
    private readonly screen: MessageScreenService,
    private readonly toolCalls: ToolCallsService,
    private readonly knowledge: KnowledgeService,
    private readonly products: ProductsService,
    private readonly orders: OrdersService,
    private readonly settings: SettingsService,
    private readonly payments: PaymentsService,
    private readonly appointments: AppointmentsService,
    private readonly returns: ReturnsService,
    private readonly httpTools: HttpToolsService,
    private readonly mcpServers: McpServersService,
    private readonly events: EventStore,
    private readonly webhookDeliveries: WebhookDeliveriesService,
    private readonly followUps: FollowUpsService,
    private readonly customers: CustomersService,
    private readonly deliveries: DeliveryReceiptsService,
    private readonly timelines: TimelineService,
    private readonly campaigns: CampaignsService,
    private readonly segments: SegmentsService,
    private readonly automations: AutomationsService,
    private readonly summaries: ConversationSummariesService,
    private readonly reports: DailyDigestService,
    private readonly staff: StaffService,
    private readonly charts: ChartsService,
    private readonly dataQuestions: DataQuestionsService,
    private readonly semantic: SemanticLayerService,
  ) {}

  /**
   * Connects (waiting for Temporal if it is not up yet), then polls until shutdown. Settles when the
   * workers stop. `workflowBundle` lets tests reuse one prebuilt bundle; otherwise the sources are bundled.
   */
  async run(opts: { workflowBundle?: WorkerOptions['workflowBundle'] } = {}): Promise<void> {
    installQuietRuntime(this.config.metrics.temporalPort, this.config);
    const connection = await this.connectWhenReachable();
    if (!connection) return;
    this.connection = connection;
    await this.prepareNamespace();
    const activities = createActivities({
      conversations: this.conversations,
      integrations: this.integrations,
      waitingTurns: this.waitingTurns,
      alerts: this.alerts,
      llm: this.llm,
      twilio: this.twilio,
      policies: this.policies,
      usage: this.usage,
      screen: this.screen,
      toolCalls: this.toolCalls,
      knowledge: this.knowledge,
      products: this.products,
      orders: this.orders,
      settings: this.settings,
      payments: this.payments,
      appointments: this.appointments,
      returns: this.returns,
      httpTools: this.httpTools,
      mcpServers: this.mcpServers,
      events: this.events,
      webhookDeliveries: this.webhookDeliveries,
      followUps: this.followUps,
      customers: this.customers,
      deliveries: this.deliveries,
      timelines: this.timelines,
      campaigns: this.campaigns,
      segments: this.segments,
      automations: this.automations,
      summaries: this.summaries,
      reports: this.reports,
      staff: this.staff,
      charts: this.charts,
      dataQuestions: this.dataQuestions,
      semantic: this.semantic,
      config: this.config,
    });
    const queues = taskQueues(this.config.temporal.taskQueue);
    const common = { connection, namespace: this.config.temporal.namespace };
    const workflows = opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : prebuiltBundle() ?? { workflowsPath: require.resolve('../../workflows') };
    this.workers = [
      await Worker.create({ ...common, ...workflows, taskQueue: queues.conversations, activities, maxCachedWorkflows: this.config.workerMaxCachedWorkflows }),
      await Worker.create({ ...common, taskQueue: queues.sends, activities: { sendReply: activities.sendReply, sendCampaignMessage: activities.sendCampaignMessage, automationSendTemplate: activities.automationSendTemplate, sendChart: activities.sendChart }, maxTaskQueueActivitiesPerSecond: this.config.twilioSendsPerSecond / PACER_SAFETY }),
    ];
    if (this.stopping) return;
    this.logger.log(`Worker polling ${queues.conversations} and ${queues.sends} on ${this.config.temporal.address}`);
    await Promise.all(this.workers.map((w) => w.run()));
  }

  /** Retries the connection with backoff (1 s … 15 s); undefined if the application shuts down first. */
  private async connectWhenReachable(): Promise<NativeConnection | undefined> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        return await NativeConnection.connect(temporalConnectionOptions(this.config));
      } catch (err) {
        const delay = Math.min(1_000 * 2 ** (attempt - 1), 15_000);
        this.logger.warn(`Temporal unreachable at ${this.config.temporal.address} (${(err as Error).message}); retrying in ${delay / 1000} s`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    return undefined;
  }

  /**
   * What the namespace needs, each step idempotent and non-fatal: the search attributes the Temporal UI
   * filters conversations by, and the reconciliation schedule (one per task queue).
   */
  private async prepareNamespace(): Promise<void> {
    const connection = await Connection.connect(temporalConnectionOptions(this.config));
    const namespace = this.config.temporal.namespace;
    try {
      await ensureSearchAttributes(connection, namespace).catch((err: Error) =>
        this.logger.warn(`Could not register search attributes (create them on the cluster, see docs/temporal-cluster.md): ${err.message}`),
      );
      const queue = taskQueues(this.config.temporal.taskQueue).conversations;
      const every = this.config.reconcileIntervalMinutes;
      await new Client({ connection, namespace }).schedule
        .create({
          scheduleId: reconcileScheduleId(queue),
          spec: { intervals: [{ every: `${every}m` }] },
          action: { type: 'startWorkflow', workflowType: 'reconcileInbound', taskQueue: queue, args: [] },
          policies: { overlap: ScheduleOverlapPolicy.SKIP },
        })
        .then(
          () => this.logger.log(`Created schedule ${reconcileScheduleId(queue)} (every ${every} min)`),
          (err: Error) => {
            if (!(err instanceof ScheduleAlreadyRunning)) this.logger.warn(`Could not create the reconciliation schedule: ${err.message}`);
          },
        );
      await new Client({ connection, namespace }).schedule
        .create({
          scheduleId: behaviourTagsScheduleId(queue),
          spec: { intervals: [{ every: `${this.config.behaviourTagsIntervalMinutes}m` }] },
          action: { type: 'startWorkflow', workflowType: 'refreshBehaviourTags', taskQueue: queue, args: [] },
          policies: { overlap: ScheduleOverlapPolicy.SKIP },
        })
        .catch((err: Error) => {
          if (!(err instanceof ScheduleAlreadyRunning)) this.logger.warn(`Could not create the behaviour-tags schedule: ${err.message}`);
        });
      await ensureDailyDigestSchedule(new Client({ connection, namespace }), this.config, queue, this.logger);
      await ensureTokenAgeSchedule(new Client({ connection, namespace }), queue, this.logger);
    } finally {
      await connection.close();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.all(this.workers.map((w) => waitStopped(w)));
    await this.connection?.close();
  }
}

async function waitStopped(worker: Worker): Promise<void> {
  while (!['STOPPED', 'FAILED'].includes(worker.getState())) await new Promise((r) => setTimeout(r, 50));
}

/**
 * The SDK logs at WARN and above; the application's own logs say what happened. Once per process.
 * With TEMPORAL_METRICS_PORT the SDK serves its own metrics (task slots, poll and schedule-to-start
 * latencies, cache) for Prometheus at :port/metrics, whichever process role runs the worker.
 */
export function installQuietRuntime(metricsPort: number | null, logs: Pick<AppConfig, 'logFormat' | 'logMessageBodies'>): void {
  try {
    const metrics = metricsPort ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}` } } } : {};
    // With LOG_FORMAT=json, workflow and activity lines come out in the application's format (temporal-logger.ts).
    Runtime.install({ logger: temporalLogger(logs), telemetryOptions: { ...metrics, ...temporalCoreLogging(logs) } });
  } catch {
    /* already installed in this process */
  }
}

/** The bundle `npm run build` wrote next to the compiled code (dist/workflow-bundle.js), if there is one. */
function prebuiltBundle(): { workflowBundle: { codePath: string } } | undefined {
  const codePath = join(__dirname, '..', '..', 'workflow-bundle.js');
  return existsSync(codePath) ? { workflowBundle: { codePath } } : undefined;
}
