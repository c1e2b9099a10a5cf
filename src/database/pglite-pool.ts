import { EventEmitter } from 'node:events';
import type { PGlite, Results as PGliteResults } from '@electric-sql/pglite';

type Results = PGliteResults<Record<string, unknown>>;

type Callback<T> = (err: Error | null, value?: T) => void;
type Release = (err?: unknown) => void;

/**
 * A pg-compatible pool over one embedded PGlite database, for TypeORM's postgres driver (`driver` option).
 * PGlite has a single session, so the pool hands out one client at a time: a TypeORM query runner holds
 * it from connect to release, which keeps transactions from interleaving (a pool of size 1).
 */
export function pgliteDriver(db: PGlite) {
  class Pool extends EventEmitter {
    private queue: Array<() => void> = [];
    private busy = false;
    private readonly client = new PGliteClient(db);

    connect(callback?: (err: Error | null, client?: PGliteClient, release?: Release) => void): Promise<PGliteClient> | void {
      const acquired = new Promise<PGliteClient>((resolve) => {
        const grant = () => {
          this.busy = true;
          resolve(this.client);
        };
        if (this.busy) this.queue.push(grant);
        else grant();
      });
      const release = () => {
        const next = this.queue.shift();
        if (next) next();
        else this.busy = false;
      };
      if (!callback) return acquired;
      void acquired.then((client) => callback(null, client, release));
    }

    query(sql: string, params?: unknown[] | Callback<unknown>, callback?: Callback<unknown>) {
      return this.client.query(sql, params, callback);
    }

    end(callback?: (err?: Error | null) => void) {
      db.close().then(
        () => callback?.(null),
        (err: Error) => callback?.(err),
      );
    }
  }
  return { Pool };
}

class PGliteClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  async query(sql: string, params?: unknown[] | Callback<unknown>, callback?: Callback<unknown>) {
    const cb = typeof params === 'function' ? params : callback;
    const values = Array.isArray(params) ? params : [];
    try {
      const result = values.length > 0 ? await this.db.query<Record<string, unknown>>(sql, values) : lastOf((await this.db.exec(sql)) as Results[]);
      const shaped = toPgResult(sql, result);
      cb?.(null, shaped);
      return shaped;
    } catch (err) {
      if (cb) cb(err as Error);
      else throw err;
    }
  }

  release() {
    /* released through the pool's callback */
  }
}

function lastOf(results: Results[]): Results {
  return results[results.length - 1] ?? { rows: [], fields: [], affectedRows: 0 };
}

/** Shapes a PGlite result like node-postgres's (TypeORM reads `rows`, `rowCount` and `command`). */
function toPgResult(sql: string, result: Results) {
  const command = sql.trimStart().split(/\s+/, 1)[0]?.toUpperCase() ?? '';
  return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length, command, fields: result.fields };
}
