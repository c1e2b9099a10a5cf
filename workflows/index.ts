/** Every workflow the worker registers. */
export { conversationWorkflow } from './conversation.workflow';
export { replyToMessages } from './turn.workflow';
