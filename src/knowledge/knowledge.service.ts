import { createHash, randomUUID } from 'node:crypto';
import { BadGatewayException, ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { APP_CONFIG } from '../common/tokens';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import { chunkDocument, textSearchConfig } from './chunks';
import { Embedder, type EmbedOptions } from './embeddings';
import { reciprocalRankFusion } from './fusion';

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
  /**
   * 0–1: how well the passage matches the question — the better of its normalised full-text rank and
   * its cosine similarity to the question (when vectors are on). The order of the results follows
   * reciprocal rank fusion of both rankings, so it may differ from the order of the scores.
   */
  score: number;
}

/** Below this score a passage does not answer the question: the agent says it does not know. */
export const KNOWLEDGE_MIN_SCORE = 0.05;

/**
 * Cosine similarity below which a passage is not a vector match at all. Embedding models give
 * unrelated texts a similarity well above KNOWLEDGE_MIN_SCORE (around 0.1–0.2), so without this
 * floor every question would "find" something and the agent would never say it does not know.
 */
export const KNOWLEDGE_MIN_SIMILARITY = 0.3;

/** Embedding a document happens in its API request: allow the client's retries, within a bound. */
const DOCUMENT_EMBEDDING: EmbedOptions = { timeoutMs: 20_000 };
/** Embedding a question happens inside the search tool's 10-second activity: one quick retry at most, then full text alone. */
const QUERY_EMBEDDING: EmbedOptions = { timeoutMs: 4_000, maxRetries: 1 };

type Candidate = KnowledgePassage & { id: string };

/**
 * The business's knowledge: documents split into passages, searched with PostgreSQL's
 * language-aware full-text search (on the embedded database too) and, when OPENAI_EMBEDDINGS_MODEL
 * is set, by vector similarity as well, which also finds passages written in another language than
 * the question. A document is identified by the hash of its content: sending an unchanged one again
 * changes nothing (and embeds nothing).
 */
@Injectable()
export class KnowledgeService {
  private readonly logger = new Logger('Knowledge');
  private readonly embedder?: Embedder;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.embedder = Embedder.fromConfig(config);
  }

  /**
   * Stores a document and its passages; `created` is false when the same document was already there.
   * The passages are embedded after the document is committed: if that fails the document stays,
   * searchable by full text, its passages without vectors until `reembed`.
   */
  async add(doc: KnowledgeDocument): Promise<{ id: string; created: boolean; chunks: number }> {
    const hash = createHash('sha256').update(JSON.stringify([doc.title, doc.content, doc.url ?? null, doc.locale ?? null])).digest('hex');
    const chunks = chunkDocument(doc.content);
    const config = textSearchConfig(doc.locale);
    const passages: { id: string; input: string }[] = [];
    const result = await this.db.transaction(async (m) => {
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
        const chunkId = randomUUID();
        await m.query(
          `INSERT INTO knowledge_chunks (id, document_id, position, heading, text, ts_config, tsv)
           VALUES ($1, $2, $3, $4, $5, $6::text,
                   setweight(to_tsvector($6::regconfig, $7 || ' ' || coalesce($4, '')), 'A') || to_tsvector($6::regconfig, $5))`,
          [chunkId, id, position, chunk.heading, chunk.text, config, doc.title],
        );
        passages.push({ id: chunkId, input: embeddingInput(doc.title, chunk.heading, chunk.text) });
      }
      return { id, created: true, chunks: chunks.length };
    });
    if (result.created && this.embedder) {
      try {
        await this.embedPassages(this.embedder, passages, DOCUMENT_EMBEDDING);
      } catch (err) {
        this.logger.warn(`Knowledge document "${doc.title}" stored without vectors (full-text search only until POST /api/knowledge/reembed): ${(err as Error).message}`);
      }
    }
    return result;
  }

  /**
   * Embeds every passage without a vector of the configured model (added while the embeddings
   * endpoint failed, or before the model changed). Progress is kept batch by batch.
   */
  async reembed(): Promise<{ embedded: number }> {
    const embedder = this.embedder;
    if (!embedder) throw new ConflictException({ error: 'embeddings_not_configured', message: 'Set OPENAI_EMBEDDINGS_MODEL and OPENAI_API_KEY to search the knowledge by vectors' });
    const rows = await queryRows<{ id: string; title: string; heading: string | null; text: string }>(
      this.db,
      `SELECT c.id, d.title, c.heading, c.text FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
       WHERE c.embedding IS NULL OR c.embedding_model IS DISTINCT FROM $1 ORDER BY d.created_at, d.id, c.position`,
      [embedder.model],
    );
    const progress = { stored: 0 };
    try {
      await this.embedPassages(embedder, rows.map((r) => ({ id: r.id, input: embeddingInput(r.title, r.heading, r.text) })), DOCUMENT_EMBEDDING, progress);
    } catch (err) {
      throw new BadGatewayException({ error: 'embeddings_failed', message: `The embeddings endpoint failed: ${(err as Error).message}`, embedded: progress.stored, remaining: rows.length - progress.stored });
    }
    return { embedded: progress.stored };
  }

  /** `embedded`: passages holding a vector of the configured model (the rest are found by full text only); null without embeddings. */
  async list(): Promise<{ id: string; title: string; url: string | null; locale: string | null; chunks: number; embedded: number | null; createdAt: string }[]> {
    const rows = await queryRows<{ id: string; title: string; url: string | null; locale: string | null; chunks: number; embedded: number; created_at: Date }>(
      this.db,
      `SELECT d.id, d.title, d.url, d.locale, d.created_at,
              (SELECT count(*)::int FROM knowledge_chunks c WHERE c.document_id = d.id) AS chunks,
              (SELECT count(*)::int FROM knowledge_chunks c WHERE c.document_id = d.id AND c.embedding IS NOT NULL AND c.embedding_model = $1) AS embedded
       FROM knowledge_documents d ORDER BY d.created_at, d.title`,
      [this.embedder?.model ?? null],
    );
    return rows.map((r) => ({
      id: r.id, title: r.title, url: r.url, locale: r.locale, chunks: r.chunks,
      embedded: this.embedder ? r.embedded : null, createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  async remove(id: string): Promise<void> {
    const rows = await queryRows<{ id: string }>(this.db, `DELETE FROM knowledge_documents WHERE id = $1 RETURNING id`, [id]);
    if (rows.length === 0) throw new NotFoundException({ error: 'not_found', message: `No knowledge document ${id}` });
  }

  /**
   * The best passages for a question. Full text: any of its words counts (each passage in its own
   * language's configuration), ranked by cover density, normalised to 0–1. With embeddings the
   * question's vector ranks passages by cosine similarity too, and both rankings are merged by
   * reciprocal rank fusion; if the question cannot be embedded, full text alone answers.
   */
  async search(query: string, limit = 3): Promise<KnowledgePassage[]> {
    // Fusion looks deeper than `limit` into each ranking, to find the passages both agree on.
    const depth = Math.max(limit * 4, 20);
    const [fullText, vector] = await Promise.all([this.fullTextRanking(query, this.embedder ? depth : limit), this.embedQuery(query)]);
    const ranked = vector ? reciprocalRankFusion([fullText, await this.vectorRanking(vector, depth)]) : fullText;
    return ranked.slice(0, limit).map((r) => ({ documentId: r.documentId, title: r.title, heading: r.heading, url: r.url, text: r.text, score: r.score }));
  }

  private async fullTextRanking(query: string, limit: number): Promise<Candidate[]> {
    const rows = await queryRows<CandidateRow>(
      this.db,
      `WITH q AS (SELECT c.id, nullif(replace(plainto_tsquery(c.ts_config::regconfig, $1)::text, ' & ', ' | '), '')::tsquery AS query
                  FROM knowledge_chunks c)
       SELECT c.id, c.document_id, d.title, c.heading, d.url, c.text, (r.rank / (r.rank + 1))::float8 AS score
       FROM knowledge_chunks c
       JOIN q ON q.id = c.id
       JOIN knowledge_documents d ON d.id = c.document_id
       CROSS JOIN LATERAL (SELECT ts_rank_cd(c.tsv, q.query, 0) AS rank) r
       WHERE q.query IS NOT NULL AND c.tsv @@ q.query
       ORDER BY score DESC, c.position
       LIMIT $2`,
      [query, limit],
    );
    return rows.map(toCandidate);
  }

  /**
   * Passages by cosine similarity to the question's vector, computed in SQL over float8[]: the
   * embedded database has no pgvector (nor does every PostgreSQL), the same plain SQL runs on both,
   * an exact scan of a business's few thousand passages is fast, and only the best rows, not every
   * vector, leave the database. Only vectors of the configured model are comparable; rounding can
   * put identical vectors a hair above 1, hence the clamp.
   */
  private async vectorRanking(vector: number[], limit: number): Promise<Candidate[]> {
    const rows = await queryRows<CandidateRow>(
      this.db,
      `SELECT c.id, c.document_id, d.title, c.heading, d.url, c.text, least(s.similarity, 1) AS score
       FROM knowledge_chunks c
       JOIN knowledge_documents d ON d.id = c.document_id
       CROSS JOIN LATERAL (
         SELECT sum(a * b) / nullif(sqrt(sum(a * a)) * sqrt(sum(b * b)), 0) AS similarity FROM unnest(c.embedding, $1::float8[]) AS v(a, b)
       ) s
       WHERE c.embedding_model = $2 AND cardinality(c.embedding) = cardinality($1::float8[]) AND s.similarity >= $3
       ORDER BY s.similarity DESC, c.position
       LIMIT $4`,
      [vector, this.embedder!.model, KNOWLEDGE_MIN_SIMILARITY, limit],
    );
    return rows.map(toCandidate);
  }

  /** The question's vector; undefined without embeddings or when the endpoint fails (full text then answers alone). */
  private async embedQuery(query: string): Promise<number[] | undefined> {
    if (!this.embedder) return undefined;
    try {
      return (await this.embedder.embed([query], QUERY_EMBEDDING))[0];
    } catch (err) {
      this.logger.warn(`Knowledge search fell back to full text: the question could not be embedded: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Embeds the passages and stores each batch's vectors as it arrives, counting them in `progress`. */
  private async embedPassages(embedder: Embedder, passages: { id: string; input: string }[], opts: EmbedOptions, progress = { stored: 0 }): Promise<void> {
    await embedder.embed(passages.map((p) => p.input), opts, async (offset, vectors) => {
      for (const [i, vector] of vectors.entries()) {
        await this.db.query(`UPDATE knowledge_chunks SET embedding = $2::float8[], embedding_model = $3 WHERE id = $1`, [passages[offset + i]!.id, vector, embedder.model]);
        progress.stored++;
      }
    });
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

type CandidateRow = { id: string; document_id: string; title: string; heading: string | null; url: string | null; text: string; score: number };

function toCandidate(r: CandidateRow): Candidate {
  return { id: r.id, documentId: r.document_id, title: r.title, heading: r.heading, url: r.url, text: r.text, score: Number(r.score) };
}

/** What a passage's vector is made of: the document title and heading give a short passage its context, as in full text. */
function embeddingInput(title: string, heading: string | null, text: string): string {
  return [title, heading, text].filter(Boolean).join('\n');
}
