import { createAlertActivities } from './alert.activities';
import { createAppointmentActivities } from './appointment.activities';
import { createCampaignActivities } from './campaign.activities';
import { createCrmActivities } from './crm.activities';
import { createDataActivities } from './data.activities';
import { createEventActivities } from './event.activities';
import { createFollowUpActivities } from './follow-up.activities';
import { createAutomationActivities } from './automation.activities';
import { createReportActivities } from './report.activities';
import { createTokenAgeActivities } from './token-age.activities';
import { createStaffActivities } from './staff.activities';
import { createSummaryActivities } from './summary.activities';
import { createHttpToolActivities } from './http-tool.activities';
import type { ActivityDeps } from './deps';
import { createLlmActivities } from './llm.activities';
import { createMenuActivities } from './menu.activities';
import { createOrderActivities } from './order.activities';
import { createReconcileActivities } from './reconcile.activities';
import { createReturnActivities } from './return.activities';
import { createToolActivities } from './tool.activities';
import { createTwilioActivities } from './twilio.activities';
import { createWebhookActivities } from './webhook.activities';
import { createChartActivities } from './chart.activities';

export type { ActivityDeps } from './deps';

/** Every activity of the product, built from its dependencies. Workflows import only this type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCrmActivities(deps),
    ...createLlmActivities(deps),
    ...createTwilioActivities(deps),
    ...createAlertActivities(deps),
    ...createReconcileActivities(deps),
    ...createToolActivities(deps),
    ...createHttpToolActivities(deps),
    ...createOrderActivities(deps),
    ...createAppointmentActivities(deps),
    ...createReturnActivities(deps),
    ...createEventActivities(deps),
    ...createWebhookActivities(deps),
    ...createMenuActivities(deps),
    ...createCampaignActivities(deps),
    ...createFollowUpActivities(deps),
    ...createAutomationActivities(deps),
    ...createSummaryActivities(deps),
    ...createReportActivities(deps),
    ...createTokenAgeActivities(deps),
    ...createStaffActivities(deps),
    ...createDataActivities(deps),
    ...createChartActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
