/**
 * `npm run import -- FILE`: loads business data into the running agent through `POST /api/import`.
 * Nothing is written unless the whole file is valid; each problem is printed with its CSV line.
 *
 *   npm run import -- demo/shop.json          settings, knowledge, products and services (the API's document)
 *   npm run import -- products.csv            sku,name,description,price,currency,stock[,more columns = attributes]
 *   npm run import -- faq.csv                 title,content,url,locale
 *   npm run import -- services.csv            id,name,durationMinutes,timeZone,hours,capacity (hours: "mon-fri 09:00-17:00; sat 10:00-14:00")
 *   npm run import -- returns.md              one knowledge document, titled by its first heading
 *   npm run import -- FILE --url https://agent.example.com   another instance (ADMIN_API_KEY set)
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/config';
import { importFile, type ImportProblem, locate } from '../src/import/import-file';
import { localSecretPath } from '../src/security/local-secrets';

interface ImportResult {
  settings: boolean;
  knowledge: { added: number; unchanged: number };
  products: { upserted: number };
  services: { upserted: number };
}

/** Runs the import; the exit code is 0 when everything was applied. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const url = option(argv, '--url');
  const [file] = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--url');
  if (!file) {
    console.error('Usage: npm run import -- FILE [--url http://host:port]   (.json, .csv, .md or .txt)');
    return 2;
  }
  // `npm run` starts in the project's folder: a relative FILE is relative to where the command was typed.
  const path = resolve(env.INIT_CWD ?? process.cwd(), file);
  if (!existsSync(path)) {
    console.error(`import: no file ${path}`);
    return 2;
  }
  const parsed = importFile(path, readFileSync(path, 'utf8'));
  if (parsed.problems.length > 0) {
    console.error(`${file}: nothing imported, ${parsed.problems.length} problem(s):`);
    for (const p of parsed.problems) console.error(`  ${p.line === undefined ? '' : `line ${p.line}, `}${p.field}: ${p.message}`);
    return 1;
  }

  const { apiUrl, adminKey } = target(env, url);
  let response: Response;
  try {
    response = await fetch(`${apiUrl}/api/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(parsed.document),
    });
  } catch {
    throw new Error(`The agent is not running at ${apiUrl}: start it with \`npm start\` first (or pass --url).`);
  }
  const body = (await response.json().catch(() => ({}))) as { problems?: ImportProblem[]; message?: string };
  if (response.status === 400 && body.problems) {
    console.error(`${file}: nothing imported, ${body.problems.length} problem(s):`);
    for (const p of body.problems) console.error(`  ${locate(parsed, p)}: ${p.message}`);
    return 1;
  }
  if (response.status === 413) throw new Error(`${file} is larger than the agent accepts (WEBHOOK_BODY_LIMIT): split it or raise the limit.`);
  if (!response.ok) throw new Error(`The agent answered ${response.status}: ${JSON.stringify(body)}`);
  console.log(`${file}: imported into ${apiUrl}\n${summary(body as ImportResult)}`);
  return 0;
}

/** The running app: the same port and admin key `npm start` uses (generated into DATA_DIR when not configured). */
function target(env: NodeJS.ProcessEnv, url: string | undefined): { apiUrl: string; adminKey: string } {
  const config = loadConfig(env);
  const apiUrl = (url ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
  if (config.adminApiKey) return { apiUrl, adminKey: config.adminApiKey };
  const keyFile = localSecretPath(resolve(config.dataDir), 'admin-api-key');
  if (!existsSync(keyFile)) throw new Error(`No admin key: set ADMIN_API_KEY, or start the agent with \`npm start\` once so it generates ${keyFile}.`);
  return { apiUrl, adminKey: readFileSync(keyFile, 'utf8').trim() };
}

function summary(r: ImportResult): string {
  return [
    `  settings:  ${r.settings ? 'replaced' : 'not in the file'}`,
    `  knowledge: ${r.knowledge.added} added, ${r.knowledge.unchanged} unchanged`,
    `  products:  ${r.products.upserted} upserted`,
    `  services:  ${r.services.upserted} upserted`,
  ].join('\n');
}

function option(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof ConfigError ? err.message : `import: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
