import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { knowledgeDocumentSchema, KnowledgeService } from './knowledge.service';

/** The business's knowledge (FAQs, policies, guides) the agent answers from. Admins only. */
@Controller('api/knowledge')
@UseGuards(ApiKeyGuard)
export class KnowledgeController {
  constructor(private readonly knowledge: KnowledgeService) {}

  /** 201 for a new document; 200 with `created: false` when the same document is already stored (nothing is re-indexed). */
  @Post()
  async add(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const result = await this.knowledge.add(parseOrThrow(knowledgeDocumentSchema, body));
    res.status(result.created ? 201 : 200);
    return result;
  }

  @Get()
  list() {
    return this.knowledge.list();
  }

  /** What the agent's `search_knowledge` finds for a question, with scores: for checking the knowledge. */
  @Get('search')
  search(@Query('query') query: unknown) {
    return this.knowledge.search(parseOrThrow(z.string().trim().min(1).max(500), query, 'query'), 5);
  }

  /**
   * Embeds the passages that have no vector of the configured model (the embeddings endpoint failed
   * when they were added, or OPENAI_EMBEDDINGS_MODEL changed). 409 without embeddings; 502 with the
   * progress made when the endpoint fails again.
   */
  @Post('reembed')
  @HttpCode(200)
  reembed() {
    return this.knowledge.reembed();
  }

  /** Questions the knowledge could not answer, most recent first. */
  @Get('gaps')
  gaps() {
    return this.knowledge.gaps();
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string) {
    await this.knowledge.remove(id);
  }
}
