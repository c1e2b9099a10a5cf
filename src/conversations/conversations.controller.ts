import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ConversationsService } from './conversations.service';

/** Reading conversations; `:sid` is the Twilio ConversationSid. */
@Controller('api/conversations')
@UseGuards(ApiKeyGuard)
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Get(':sid')
  transcript(@Param('sid') sid: string) {
    return this.conversations.transcript(sid);
  }
}
