/**
 * `npm run scripted-model`: an OpenAI-compatible model on this machine that plays the data
 * evaluation set (test/conversations/data-questions.ts): asked one of its questions, it answers with
 * the verified SQL and chart intent, and it states the rows it is shown. With it, the whole data path
 * (SQL guard, read-only runner, charts) can be tried without an account:
 *
 *   npm run scripted-model                       prints the questions it knows; keep it running
 *   OPENAI_BASE_URL=http://127.0.0.1:4010/v1 OPENAI_API_KEY=sk-scripted npm start
 *   npm run chat -- --staff                      as the owner, on the demo shop; paste a question
 *
 * Anything else gets a one-line note: it is not a model for customers.
 */
import { OpenAIEmulator } from '../test/emulators/openai-emulator';
import { scriptDataQuestions } from '../test/conversations/data-script';
import { DATA_QUESTIONS } from '../test/conversations/data-questions';

const PORT = Number(process.env.SCRIPTED_MODEL_PORT ?? 4010);
const API_KEY = 'sk-scripted';

async function main(): Promise<void> {
  const model = await OpenAIEmulator.start({ apiKey: API_KEY, port: PORT });
  model.respond(scriptDataQuestions(DATA_QUESTIONS.map((q) => ({ question: q.question, sql: q.sql, chart: q.chart ?? null })), {
    fallback: () => ({ content: 'This is the scripted model for data questions: ask one of its questions as the owner (npm run chat -- --staff).' }),
  }));
  console.log(`Scripted model on ${model.baseUrl}: start the agent with`);
  console.log(`  OPENAI_BASE_URL=${model.baseUrl} OPENAI_API_KEY=${API_KEY} npm start`);
  console.log(`then \`npm run chat -- --staff\` and ask (charts for those marked *):`);
  for (const q of DATA_QUESTIONS) console.log(`  ${q.chart ? '*' : ' '} ${q.question}`);
  const stop = () => void model.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`scripted-model: ${(err as Error).message}`);
  process.exit(1);
});
