import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { type Caller, CurrentCaller, Roles } from '../auth/roles';
import { parseOrThrow } from '../common/validation';
import { AGENT_MESSAGE_MAX_LENGTH, CONVERSATION_STATUSES, conversationWorkflowId } from '../../workflows/definitions';
import { ConversationsService } from './conversations.service';
import { HandoffService } from './handoff.service';
import { ConversationSummariesService } from '../reports/conversation-summaries.service';

/** A Twilio ConversationSid: CH and 32 hex characters. */
const sidSchema = z.string().regex(/^CH[0-9a-fA-F]{32}$/, 'must be a Twilio ConversationSid (CH followed by 32 hex characters)');

const listSchema = z.object({
  status: z.enum(CONVERSATION_STATUSES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
}).strict();

const messageSchema = z.object({
  body: z.string().refine((b) => b.trim() !== '', 'must not be empty').pipe(z.string().max(AGENT_MESSAGE_MAX_LENGTH)),
}).strict();

const idempotencyKeySchema = z.string().regex(/^[\w.:-]{1,100}$/, 'must be 1–100 letters, digits or . _ : -').optional();

/**
 * The agents' API (role `agent`; administrators too): conversations waiting for a person, their
 * transcripts, and the hand-off — take over, write, hand back, close. `:sid` is the ConversationSid.
 */
@Controller('api/conversations')
@UseGuards(ApiKeyGuard)
@Roles(['agent'])
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly handoff: HandoffService,
    private readonly summaries: ConversationSummariesService,
  ) {}

  @Get()
  async list(@Query() query: unknown) {
    const filter = parseOrThrow(listSchema, query, 'query');
    return { conversations: await this.handoff.list({ status: filter.status as never, limit: filter.limit }) };
  }

  @Get(':sid')
  async transcript(@Param('sid') sid: string) {
    const transcript = await this.conversations.transcript(parseOrThrow(sidSchema, sid, 'sid'));
    const temporalWorkflowId = conversationWorkflowId(transcript.integrationId, sid);
    // Summaries for staff of each hand-off and close, newest first.
    const summaries = await this.summaries.forConversation(transcript.integrationId, sid);
    return { ...transcript, summaries, temporalWorkflowId, temporalUiUrl: this.handoff.temporalUiUrl(temporalWorkflowId) };
  }

  @Post(':sid/takeover')
  @HttpCode(HttpStatus.OK)
  async takeOver(@Param('sid') sid: string, @CurrentCaller() caller: Caller) {
    const state = await this.handoff.takeOver(parseOrThrow(sidSchema, sid, 'sid'), caller);
    return { conversationSid: sid, ...state };
  }

  /** 201 once Twilio accepted it (or it was held outside the 24-hour window); 202 while it is still being sent. */
  @Post(':sid/messages')
  async send(
    @Param('sid') sid: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ) {
    const message = parseOrThrow(messageSchema, body);
    const result = await this.handoff.sendMessage(parseOrThrow(sidSchema, sid, 'sid'), caller, message.body, parseOrThrow(idempotencyKeySchema, idempotencyKey, 'Idempotency-Key'));
    res.status(result.status === 'sending' ? HttpStatus.ACCEPTED : HttpStatus.CREATED);
    return { conversationSid: sid, ...result };
  }

  @Post(':sid/handback')
  @HttpCode(HttpStatus.OK)
  async handBack(@Param('sid') sid: string, @CurrentCaller() caller: Caller) {
    return { conversationSid: sid, ...(await this.handoff.handBack(parseOrThrow(sidSchema, sid, 'sid'), caller)) };
  }

  @Post(':sid/close')
  @HttpCode(HttpStatus.OK)
  async close(@Param('sid') sid: string, @CurrentCaller() caller: Caller) {
    return { conversationSid: sid, ...(await this.handoff.close(parseOrThrow(sidSchema, sid, 'sid'), caller)) };
  }
}
