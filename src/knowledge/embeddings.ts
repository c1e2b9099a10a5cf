import OpenAI from 'openai';
import type { AppConfig } from '../config/config';

/** Passages per embeddings request: far below the API's 2048 inputs, and ~25k tokens of 900-character passages. */
const BATCH = 100;

/** How long one embeddings request may take, and how often the client retries it. */
export interface EmbedOptions {
  timeoutMs: number;
  maxRetries?: number;
}

/** Vectors for texts from OPENAI_EMBEDDINGS_MODEL, through the official `openai` client (any compatible endpoint). */
export class Embedder {
  private constructor(
    private readonly client: OpenAI,
    readonly model: string,
  ) {}

  /** Undefined unless both an embeddings model and an API key are configured: search is then full text only. */
  static fromConfig(config: AppConfig): Embedder | undefined {
    const { apiKey, baseUrl, embeddingsModel } = config.openai;
    if (!apiKey || !embeddingsModel) return undefined;
    return new Embedder(new OpenAI({ apiKey, baseURL: baseUrl }), embeddingsModel);
  }

  /**
   * One vector per text, in order, requested in batches. `onBatch` stores each batch as it arrives,
   * so a failure part-way keeps the vectors already paid for.
   */
  async embed(texts: string[], opts: EmbedOptions, onBatch?: (offset: number, vectors: number[][]) => Promise<void>): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let offset = 0; offset < texts.length; offset += BATCH) {
      const input = texts.slice(offset, offset + BATCH);
      const response = await this.client.embeddings.create(
        { model: this.model, input },
        { timeout: opts.timeoutMs, ...(opts.maxRetries !== undefined && { maxRetries: opts.maxRetries }) },
      );
      const batch = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      if (batch.length !== input.length || batch.some((v) => v.length === 0 || v.some((x) => !Number.isFinite(x)))) {
        throw new Error(`The embeddings endpoint answered ${batch.length} usable vectors for ${input.length} texts`);
      }
      await onBatch?.(offset, batch);
      vectors.push(...batch);
    }
    return vectors;
  }
}
