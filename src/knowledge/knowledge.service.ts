import { createHash, randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { queryRows } from '../database/sql';
import { chunkDocument, textSearchConfig } from './chunks';

export const knowledgeDocumentSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  content: z.string().trim().min(1).max(200_000),
  url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000).optional(),
  locale: z.string().regex(/^[a-z]{2}([-_][A-Za-z]{2})?$/, 'must be a locale such as en, es or pt-BR').optional(),
});
export type KnowledgeDocument = z.output<typeof knowledgeDocumentSchema>;

/** A passage the search found, with what the agent cites. */
export interface KnowledgePassage {
  documentId: string;
  title: string;
  heading: string | null;
  url: string | null;
  text: string;
  /** 0–1: how well the passage matches the question. */
  score: number;
}

/** Below this score a passage does not answer the question: the agent says it does not know. */
export const KNOWLEDGE_MIN_SCORE = 0.05;

/**
 * The business's knowledge: documents split into passages, searched with PostgreSQL's
 * language-aware full-text search (on the embedded database too). A document is identified by the
 * hash of its content: sending an unchanged one again changes nothing.
 */
@Injectable()
export class KnowledgeService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores a document and its passages; `created` is false when the same document was already there. */
  async add(doc: KnowledgeDocument): Promise<{ id: string; created: boolean; chunks: number }> {
    const hash = createHash('sha256').update(JSON.stringify([doc.title, doc.content, doc.url ?? null, doc.locale ?? null])).digest('hex');
    const chunks = chunkDocument(doc.content);
    const config = textSearchConfig(doc.locale);
    return this.db.transaction(async (m) => {
      const id = randomUUID();
      const [row] = await m.query(
        `INSERT INTO knowledge_documents (id, title, content, url, locale, content_hash) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (content_hash) DO NOTHING RETURNING id`,
        [id, doc.title, doc.content, doc.url ?? null, doc.locale ?? null, hash],
      );
      if (!row) {
        const [existing] = await m.query(`SELECT id, (SELECT count(*)::int FROM knowledge_chunks WHERE document_id = d.id) AS chunks FROM knowledge_documents d WHERE content_hash = $1`, [hash]);
        return { id: existing.id as string, created: false, chunks: existing.chunks as number };
      }
      for (const [position, chunk] of chunks.entries()) {
        await m.query(
          `INSERT INTO knowledge_chunks (id, document_id, position, heading, text, ts_config, tsv)
           VALUES ($1, $2, $3, $4, $5, $6::text,
                   setweight(to_tsvector($6::regconfig, $7 || ' ' || coalesce($4, '')), 'A') || to_tsvector($6::regconfig, $5))`,
          [randomUUID(), id, position, chunk.heading, chunk.text, config, doc.title],
        );
      }
      return { id, created: true, chunks: chunks.length };
    });
  }

  async list(): Promise<{ id: string; title: string; url: string | null; locale: string | null; chunks: number; createdAt: string }[]> {
    const rows = await queryRows<{ id: string; title: string; url: string | null; locale: string | null; chunks: number; created_at: Date }>(
      this.db,
      `SELECT d.id, d.title, d.url, d.locale, d.created_at, (SELECT count(*)::int FROM knowledge_chunks c WHERE c.document_id = d.id) AS chunks
       FROM knowledge_documents d ORDER BY d.created_at, d.title`,
    );
    return rows.map((r) => ({ id: r.id, title: r.title, url: r.url, locale: r.locale, chunks: r.chunks, createdAt: new Date(r.created_at).toISOString() }));
  }

  async remove(id: string): Promise<void> {
    const rows = await queryRows<{ id: string }>(this.db, `DELETE FROM knowledge_documents WHERE id = $1 RETURNING id`, [id]);
    if (rows.length === 0) throw new NotFoundException({ error: 'not_found', message: `No knowledge document ${id}` });
  }

  /**
   * The best passages for a question: any of its words counts (each passage in its own language's
   * configuration), ranked by cover density; scores are normalised to 0–1.
   */
  async search(query: string, limit = 3): Promise<KnowledgePassage[]> {
    const rows = await queryRows<{ document_id: string; title: string; heading: string | null; url: string | null; text: string; score: number }>(
      this.db,
      `WITH q AS (SELECT c.id, nullif(replace(plainto_tsquery(c.ts_config::regconfig, $1)::text, ' & ', ' | '), '')::tsquery AS query
                  FROM knowledge_chunks c)
       SELECT c.document_id, d.title, c.heading, d.url, c.text, (r.rank / (r.rank + 1))::float8 AS score
       FROM knowledge_chunks c
       JOIN q ON q.id = c.id
       JOIN knowledge_documents d ON d.id = c.document_id
       CROSS JOIN LATERAL (SELECT ts_rank_cd(c.tsv, q.query, 0) AS rank) r
       WHERE q.query IS NOT NULL AND c.tsv @@ q.query
       ORDER BY score DESC, c.position
       LIMIT $2`,
      [query, limit],
    );
    return rows.map((r) => ({ documentId: r.document_id, title: r.title, heading: r.heading, url: r.url, text: r.text, score: Number(r.score) }));
  }

  /** A question the knowledge could not answer, for the business to fill the gap. */
  async recordGap(input: { integrationId: string; customerId: string | null; question: string }): Promise<void> {
    await this.db.query(`INSERT INTO knowledge_gaps (id, integration_id, customer_id, question) VALUES ($1, $2, $3, $4)`, [
      randomUUID(), input.integrationId, input.customerId, input.question.slice(0, 1000),
    ]);
  }

  /** Unanswered questions, newest first, counted by question. */
  async gaps(limit = 100): Promise<{ question: string; times: number; lastAskedAt: string }[]> {
    const rows = await queryRows<{ question: string; times: number; last_asked_at: Date }>(
      this.db,
      `SELECT lower(question) AS question, count(*)::int AS times, max(created_at) AS last_asked_at
       FROM knowledge_gaps GROUP BY lower(question) ORDER BY max(created_at) DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ question: r.question, times: r.times, lastAskedAt: new Date(r.last_asked_at).toISOString() }));
  }
}
