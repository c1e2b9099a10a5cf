import type { DataSource } from 'typeorm';

/**
 * Runs one SQL statement and returns its rows. (TypeORM answers UPDATE and DELETE with
 * `[rows, affected]` but other statements with the rows; callers want the rows either way.)
 */
export async function queryRows<T>(db: Pick<DataSource, 'query'>, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await db.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** `text` as a pattern for `ILIKE … ESCAPE '\'` that matches it anywhere, its `%`, `_` and backslash taken literally. */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
