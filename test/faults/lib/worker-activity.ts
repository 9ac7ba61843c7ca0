/**
 * Whether a worker process did work after a moment: an attempt row it wrote (worker ids are
 * `<hostname>:<pid>:<random>`) for an attempt that started after `sinceMs` (database clock).
 */
import type { Knex } from 'knex';

export function workedSince(db: Knex): (pid: number, sinceMs: number) => Promise<boolean> {
  return async (pid, sinceMs) => {
    const row = await db('hookflow_attempts')
      .where('worker_id', 'like', `%:${pid}:%`)
      .andWhere('started_at', '>', sinceMs)
      .first('id');
    return row !== undefined;
  };
}
