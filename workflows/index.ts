/** Every workflow the worker registers. */
export { deliverAlert } from './alert.workflow';
export { conversationWorkflow } from './conversation.workflow';
export { replyToMessages } from './turn.workflow';
export { reconcileInbound } from './reconcile.workflow';
export { orderWorkflow } from './order.workflow';
export { appointmentWorkflow } from './appointment.workflow';
export { returnWorkflow } from './return.workflow';
export { campaignWorkflow } from './campaign.workflow';
export { refreshBehaviourTags } from './behaviour-tags.workflow';
export { webhookDelivery } from './webhook-delivery.workflow';
export { followUpWorkflow } from './follow-up.workflow';
export { automationRun } from './automation.workflow';
export { dailyDigest } from './daily-digest.workflow';
export { tokenAgeCheck } from './token-age.workflow';
export { staffMessage } from './staff-notify';
export { dataQuestionWorkflow } from './data-question.workflow';
export { staffReport } from './staff-report.workflow';
