/** Every workflow the worker registers. */
export { deliverAlert } from './alert.workflow';
export { conversationWorkflow } from './conversation.workflow';
export { replyToMessages } from './turn.workflow';
export { reconcileInbound } from './reconcile.workflow';
export { orderWorkflow } from './order.workflow';
export { appointmentWorkflow } from './appointment.workflow';
export { returnWorkflow } from './return.workflow';
