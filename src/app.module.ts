import { APP_INTERCEPTOR } from '@nestjs/core';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsService } from './alerts/alerts.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysController } from './auth/api-keys.controller';
import { ApiKeysService } from './auth/api-keys.service';
import { AdminRateLimiter } from './auth/admin-rate-limit';
import type { AppConfig } from './config/config';
import { APP_CONFIG } from './common/tokens';
import { ConversationsController } from './conversations/conversations.controller';
import { ConversationsService } from './conversations/conversations.service';
import { HandoffService } from './conversations/handoff.service';
import { ConsoleController } from './console/console.controller';
import { entities, openDataSource } from './database/data-source';
import { HealthController } from './health/health.controller';
import { InboxRedeliveryService } from './inbox/inbox-redelivery.service';
import { InboxService } from './inbox/inbox.service';
import { IntegrationEntity } from './integrations/integration.entity';
import { IntegrationResumeService } from './integrations/integration-resume.service';
import { IntegrationsController } from './integrations/integrations.controller';
import { IntegrationsService } from './integrations/integrations.service';
import { WaitingTurnsService } from './integrations/waiting-turns.service';
import { LlmService } from './llm/llm.service';
import { BlockedSendersService } from './policies/blocked-senders.service';
import { MessagePoliciesService } from './policies/message-policies.service';
import { MessageScreenService } from './policies/message-screen.service';
import { BlockedSendersController, PoliciesController, UsageController } from './policies/policies.controller';
import { UsageService } from './policies/usage.service';
import { TemporalClientService } from './temporal/temporal-client.service';
import { TwilioClients } from './twilio/twilio-clients.service';
import { TwilioWebhookController } from './webhook/twilio-webhook.controller';
import { TwilioWebhookService } from './webhook/twilio-webhook.service';
import { WorkerService } from './worker/worker.service';
import { AppointmentsController } from './appointments/appointments.controller';
import { AppointmentsService } from './appointments/appointments.service';
import { ReturnsController } from './returns/returns.controller';
import { ReturnsService } from './returns/returns.service';
import { HttpToolsController } from './http-tools/http-tools.controller';
import { HttpToolsService } from './http-tools/http-tools.service';
import { McpServersController } from './mcp/mcp-servers.controller';
import { McpServersService } from './mcp/mcp-servers.service';
import { EventStore } from './events/event-store.service';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { InboundEventsService } from './events/inbound-events.service';
import { WebhookDeliveriesService } from './webhooks/webhook-deliveries.service';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';
import { FollowUpsController } from './follow-ups/follow-ups.controller';
import { FollowUpsService } from './follow-ups/follow-ups.service';
import { ProductsController } from './catalogue/products.controller';
import { ProductsService } from './catalogue/products.service';
import { ToolCallsService } from './conversations/tool-calls.service';
import { KnowledgeController } from './knowledge/knowledge.controller';
import { KnowledgeService } from './knowledge/knowledge.service';
import { OrdersController } from './orders/orders.controller';
import { OrdersService } from './orders/orders.service';
import { PayPageController } from './payments/pay-page.controller';
import { PaymentsService } from './payments/payments.service';
import { StripeWebhookController } from './payments/stripe-webhook.controller';
import { SettingsController } from './settings/settings.controller';
import { SettingsService } from './settings/settings.service';
import { ImportController } from './import/import.controller';
import { ImportService } from './import/import.service';
import { CustomersController } from './customers/customers.controller';
import { CustomersService } from './customers/customers.service';
import { TimelineService } from './customers/timeline.service';
import { ErasureService } from './customers/erasure.service';
import { DeliveryReceiptsService } from './deliveries/delivery-receipts.service';
import { AuditController } from './audit/audit.controller';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditService } from './audit/audit.service';
import { SegmentsController } from './segments/segments.controller';
import { SegmentsService } from './segments/segments.service';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CampaignsService } from './campaigns/campaigns.service';
import { AutomationsController } from './automations/automations.controller';
import { AutomationsService } from './automations/automations.service';
import { AutomationRunSweeper } from './automations/automation-run-sweeper.service';
import { ConversationSummariesService } from './reports/conversation-summaries.service';
import { DailyDigestService } from './reports/daily-digest.service';
import { ReportsController } from './reports/reports.controller';
import { StaffController } from './staff/staff.controller';
import { StaffService } from './staff/staff.service';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsGuard } from './metrics/metrics.guard';
import { MetricsService } from './metrics/metrics.service';
import { DashboardController } from './dashboard/dashboard.controller';
import { DashboardService } from './dashboard/dashboard.service';
import { OperationsService } from './dashboard/operations.service';
import { DiagnosticsController } from './diagnostics/diagnostics.controller';
import { DiagnosticsService } from './diagnostics/diagnostics.service';
import { DemoDataController } from './demo/demo-data.controller';
import { DemoDataService } from './demo/demo-data.service';
import { ChartsController } from './charts/charts.controller';
import { ChartMediaController } from './charts/chart-media.controller';
import { ChartsService } from './charts/charts.service';
import { AnalyticsController } from './analytics/analytics.controller';
import { StaffReportsController } from './analytics/staff-reports.controller';
import { StaffReportsService } from './analytics/staff-reports.service';
import { DataQuestionsService } from './analytics/data-questions.service';
import { SemanticLayerService } from './analytics/semantic-layer.service';

export interface ProcessRoles {
  /** The HTTP api: webhook, admin API, inbox redelivery. */
  api: boolean;
  /** The Temporal worker: workflows and activities. */
  worker: boolean;
}

/**
 * The whole application as one module graph; each process (`npm start`, `api`, `worker`) picks its roles.
 * Shared: configuration, database, integrations, conversations, Twilio and LLM clients.
 */
@Module({})
export class AppModule {
  static register(config: AppConfig, roles: ProcessRoles): DynamicModule {
    const shared: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      TwilioClients,
      IntegrationsService,
      ConversationsService,
      WaitingTurnsService,
      AlertsService,
      MessagePoliciesService,
      UsageService,
      BlockedSendersService,
      MessageScreenService,
      SettingsService,
      KnowledgeService,
      ProductsService,
      OrdersService,
      ToolCallsService,
      AppointmentsService,
      ReturnsService,
      HttpToolsService,
      McpServersService,
      EventStore,
      WebhookDeliveriesService,
      FollowUpsService,
      CustomersService,
      TimelineService,
      SegmentsService,
      CampaignsService,
      AutomationsService,
      ConversationSummariesService,
      DailyDigestService,
      StaffService,
      DeliveryReceiptsService,
      ChartsService,
      SemanticLayerService,
      DataQuestionsService,
    ];
    const api: Provider[] = [AuditService, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }, ErasureService, ApiKeysService, ApiKeyGuard, AdminRateLimiter, HandoffService, InboxService, InboxRedeliveryService, TemporalClientService, TwilioWebhookService, IntegrationResumeService, ImportService, EventsService, InboundEventsService, WebhooksService, AutomationRunSweeper, MetricsService, MetricsGuard, DashboardService, OperationsService, DiagnosticsService, DemoDataService, StaffReportsService];
    const worker: Provider[] = [LlmService, PaymentsService, WorkerService];
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ type: 'postgres', entities }),
          dataSourceFactory: () => openDataSource(config),
        }),
        TypeOrmModule.forFeature([IntegrationEntity]),
      ],
      controllers: roles.api
        ? [HealthController, TwilioWebhookController, IntegrationsController, ConversationsController, AlertsController, ApiKeysController, ConsoleController, PoliciesController, BlockedSendersController, UsageController,
            SettingsController, KnowledgeController, ImportController, ProductsController, OrdersController, PayPageController, StripeWebhookController, AppointmentsController, ReturnsController, CustomersController, SegmentsController, CampaignsController, HttpToolsController, McpServersController, WebhooksController, EventsController, FollowUpsController, ReportsController, AutomationsController, StaffController, MetricsController, AuditController, DashboardController, DiagnosticsController, DemoDataController, ChartsController, ChartMediaController, AnalyticsController, StaffReportsController]
        : [],
      providers: [...shared, ...(roles.api ? api : []), ...(roles.worker ? worker : [])],
    };
  }
}
