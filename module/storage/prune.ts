/**
 * Deleting old rows in bounded batches (the retention chore's building block). Each batch is one
 * short statement by primary key, so no long transaction ever locks a table; the walk moves on
 * by id, so rows kept back (`keep`) never stall it; a run stops after `maxBatches` batches and
 * the next run continues.
 */
export interface PruneOptions {
  /** Most rows one DELETE removes. Default 500. */
  batchSize?: number;
  /** Most batches in one call. Default 200 (100k rows at the default size). */
  maxBatches?: number;
}

export interface PruneSteps {
  /** The next candidate ids above `afterId`, ascending, at most `limit`. */
  select(afterId: number, limit: number): Promise<number[]>;
  /** Of these candidates, the ones that must stay (e.g. a pending alert still reads them). Default none. */
  keep?(ids: number[]): Promise<Set<number>>;
  /** Runs before the rows go (children first, so a crash never leaves orphans). Default nothing. */
  before?(ids: number[]): Promise<void>;
  /** Deletes the rows; returns how many went. */
  remove(ids: number[]): Promise<number>;
}

/** Walks the candidates batch by batch and deletes all but the kept ones; returns how many went. */
export async function pruneInBatches(steps: PruneSteps, opts: PruneOptions = {}): Promise<number> {
  const size = opts.batchSize ?? 500;
  const max = opts.maxBatches ?? 200;
  let total = 0;
  let cursor = 0;
  for (let i = 0; i < max; i++) {
    const ids = await steps.select(cursor, size);
    if (ids.length === 0) break;
    cursor = ids[ids.length - 1];
    const kept = steps.keep ? await steps.keep(ids) : new Set<number>();
    const doomed = ids.filter((id) => !kept.has(id));
    if (doomed.length > 0) {
      if (steps.before) await steps.before(doomed);
      total += await steps.remove(doomed);
    }
    if (ids.length < size) break;
  }
  return total;
}
