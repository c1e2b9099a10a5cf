import { KNOWLEDGE_MIN_SCORE, KNOWLEDGE_MIN_SIMILARITY, KnowledgeService } from '../src/knowledge/knowledge.service';
import { startTestApp, type TestApp } from './support/test-app';

const MODEL = 'text-embedding-3-small';

/** The emulated embeddings' vocabulary: Spanish words read as their English meaning. */
const TRANSLATIONS = { abrís: 'open', domingos: 'sunday', los: 'on', reembolso: 'refund', tarjeta: 'card', regalo: 'gift' };

const HOURS = { title: 'Opening hours', content: 'We are open on Sunday from 10 to 14.', locale: 'en' };
const SHIPPING = { title: 'Shipping', content: 'We ship parcels within two days.', locale: 'en' };
/** Full text's favourite for "refund gift card" (all three words close together), but too long to be near it as a vector. */
const GIFT_CARDS = {
  title: 'Gift cards',
  content:
    'Gift cards are sold in our shops and online, in any amount from 10 to 500 euros, printed on recycled paper and delivered in an envelope; ' +
    'they can be used for all products except other gift cards and we cannot give a refund for a gift card once it is bought, ' +
    'but you may pass it on to friends and family members, or keep it for a later visit to any branch of the shop.',
  locale: 'en',
};
/** Second in both rankings. */
const REFUNDS = { title: 'Refund policy', content: 'We refund orders within 30 days; gift wrapping is free.', locale: 'en' };
/** Spanish: nothing for full text, the vectors' favourite. */
const REEMBOLSOS = { title: 'Reembolsos', content: 'Reembolso de tarjeta regalo: contacta con la tienda.', locale: 'es' };

interface Row { id: string; title: string; chunks: number; embedded: number | null }
interface Passage { title: string; score: number }

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b));

describe('knowledge search with embeddings', () => {
  let t: TestApp;
  /** The same database searched as without OPENAI_EMBEDDINGS_MODEL: full text only. */
  let fullTextOnly: KnowledgeService;

  const add = (doc: object) => t.api('POST', '/api/knowledge', doc);
  const list = async () => (await (await t.api('GET', '/api/knowledge')).json()) as Row[];
  const search = async (query: string) => (await (await t.api('GET', `/api/knowledge/search?query=${encodeURIComponent(query)}`)).json()) as Passage[];

  beforeAll(async () => {
    t = await startTestApp({ roles: { api: true, worker: false }, env: { OPENAI_EMBEDDINGS_MODEL: MODEL } });
    t.openai.setSynonyms(TRANSLATIONS);
    fullTextOnly = new KnowledgeService(t.db, { ...t.config, openai: { ...t.config.openai, embeddingsModel: undefined } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('adding a document embeds its passages in one request; an unchanged one again embeds nothing', async () => {
    expect((await add(HOURS)).status).toBe(201);
    expect(t.openai.embeddingRequests).toEqual([expect.objectContaining({ model: MODEL, input: ['Opening hours\nWe are open on Sunday from 10 to 14.'] })]);
    const stored = await t.db.query(`SELECT cardinality(embedding) AS dimensions, embedding_model FROM knowledge_chunks`);
    expect(stored).toEqual([{ dimensions: 64, embedding_model: MODEL }]);
    expect(await list()).toEqual([expect.objectContaining({ title: 'Opening hours', chunks: 1, embedded: 1 })]);

    const requests = t.openai.embeddingRequests.length;
    const again = await add(HOURS);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(expect.objectContaining({ created: false }));
    expect(t.openai.embeddingRequests.length).toBe(requests);
  });

  test('a Spanish question finds the English passage by its vector, where full text finds nothing', async () => {
    expect((await add(SHIPPING)).status).toBe(201);
    const question = '¿abrís los domingos?';
    expect(await fullTextOnly.search(question, 5)).toEqual([]);

    const found = await search(question);
    expect(found.map((p) => p.title)).toEqual(['Opening hours']);
    expect(found[0]!.score).toBeGreaterThanOrEqual(KNOWLEDGE_MIN_SIMILARITY);
    // The question was embedded as it was asked.
    expect(t.openai.embeddingRequests.at(-1)).toEqual(expect.objectContaining({ input: [question] }));
    // English questions still find it by full text, with a score the "I don't know" threshold keeps.
    expect((await search('open sunday'))[0]).toEqual(expect.objectContaining({ title: 'Opening hours', score: expect.any(Number) }));
    expect((await search('open sunday'))[0]!.score).toBeGreaterThanOrEqual(KNOWLEDGE_MIN_SCORE);
  });

  test('reciprocal rank fusion puts first the passage both rankings place second', async () => {
    for (const doc of [GIFT_CARDS, REFUNDS, REEMBOLSOS]) expect((await add(doc)).status).toBe(201);
    const question = 'refund gift card';

    // The premise: the two rankings disagree about the top.
    expect((await fullTextOnly.search(question, 5)).map((p) => p.title)).toEqual(['Gift cards', 'Refund policy']);
    const vectors = (await t.db.query(`SELECT d.title, c.embedding FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id`)) as { title: string; embedding: number[] }[];
    const asked = t.openai.embed(question);
    const byVector = vectors
      .map((v) => ({ title: v.title, similarity: cosine(asked, v.embedding.map(Number)) }))
      .filter((v) => v.similarity >= KNOWLEDGE_MIN_SIMILARITY)
      .sort((a, b) => b.similarity - a.similarity);
    expect(byVector.map((v) => v.title)).toEqual(['Reembolsos', 'Refund policy']);

    // Refund policy: 1/62 + 1/62 beats 1/61 for either list's favourite; those two tie, the better own score first.
    const found = await search(question);
    expect(found.map((p) => p.title)).toEqual(['Refund policy', 'Gift cards', 'Reembolsos']);
    const fullTextScore = (await fullTextOnly.search(question, 5)).find((p) => p.title === 'Refund policy')!.score;
    const similarity = byVector.find((v) => v.title === 'Refund policy')!.similarity;
    expect(found[0]!.score).toBeCloseTo(Math.max(fullTextScore, similarity), 5);
  });

  test('while embeddings fail a document is still added and found by full text; reembed fills the gap once they work', async () => {
    t.openai.failWhile({ status: 500, path: /\/embeddings$/ });
    const created = await add({ title: 'Parking', content: 'Free parking behind the shop.', locale: 'en' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await list()).find((r) => r.id === id)).toEqual(expect.objectContaining({ chunks: 1, embedded: 0 }));
    // The question cannot be embedded either: full text answers alone.
    expect((await search('parking')).map((p) => p.title)).toEqual(['Parking']);
    const refused = await t.api('POST', '/api/knowledge/reembed');
    expect(refused.status).toBe(502);
    expect(await refused.json()).toEqual(expect.objectContaining({ error: 'embeddings_failed', embedded: 0, remaining: 1 }));

    t.openai.clearFailures();
    const reembedded = await t.api('POST', '/api/knowledge/reembed');
    expect(reembedded.status).toBe(200);
    expect(await reembedded.json()).toEqual({ embedded: 1 });
    expect((await list()).every((r) => r.embedded === r.chunks)).toBe(true);
    expect(await (await t.api('POST', '/api/knowledge/reembed')).json()).toEqual({ embedded: 0 });
    // Now found by its vector too: "aparcamiento" means parking.
    t.openai.setSynonyms({ ...TRANSLATIONS, aparcamiento: 'parking', gratis: 'free' });
    expect((await search('aparcamiento gratis')).map((p) => p.title)).toEqual(['Parking']);
  });

  test('without embeddings configured, reembed is refused and the list says so', async () => {
    await expect(fullTextOnly.reembed()).rejects.toMatchObject({ status: 409 });
    expect((await fullTextOnly.list()).every((r) => r.embedded === null)).toBe(true);
  });
});
