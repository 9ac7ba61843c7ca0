/**
 * In-memory snapshots of configuration (workflows with their tasks, HTTP handler permissions)
 * that follow the configuration version row (storage/config-version.ts) across processes.
 *
 * The bound: a change committed by ANY process is seen by every read that starts `checkEveryMs`
 * or more after that commit. The watch reads the version at most once per `checkEveryMs`, and a
 * version counts as fresh for `checkEveryMs` from the moment its read STARTED (a read that started
 * after the commit sees it). A change made through this process's own stores is seen at once:
 * they call `invalidate()` after their commit. `checkEveryMs` 0 reads the version on every get.
 *
 * Inside a caller's transaction (the record-save hooks run in the host's), reads go through that
 * transaction and never wait on a read queued on the pool (SQLite has one connection: waiting for
 * it there would deadlock); such a read is not taken as fresh for others (on MySQL it sees the
 * transaction's snapshot, which may be older than the read), so a refresh through the pool is
 * started beside it.
 *
 * PURE logic apart from the functions passed in: the clock is injected (unit tests drive it).
 */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export interface ConfigWatchDeps {
  /** The database the watch follows; reads outside a transaction go here. */
  db: Db;
  readVersion(q: Db): Promise<string | null>;
  /** How long a read version counts as fresh (ms); 0 = read it on every get. */
  checkEveryMs: number;
  now(): number;
}

/** A version as seen, with the local generation (bumped by `invalidate()`) it was seen in. */
export interface SeenVersion {
  version: string | null;
  generation: number;
}

export type ConfigWatch = ReturnType<typeof createConfigWatch>;

export function createConfigWatch(deps: ConfigWatchDeps) {
  let generation = 0;
  let seen: (SeenVersion & { startedAt: number }) | null = null;
  let reading: { generation: number; startedAt: number; promise: Promise<SeenVersion> } | null = null;

  const youngerThanBound = (startedAt: number) => deps.now() - startedAt < deps.checkEveryMs;

  function readThroughPool(): Promise<SeenVersion> {
    const g = generation;
    const startedAt = deps.now();
    const promise = deps
      .readVersion(deps.db)
      .then((version) => {
        if (g === generation && (seen === null || seen.generation !== g || startedAt >= seen.startedAt))
          seen = { version, generation: g, startedAt };
        return { version, generation: g };
      })
      .finally(() => {
        if (reading?.promise === promise) reading = null;
      });
    reading = { generation: g, startedAt, promise };
    return promise;
  }

  async function readInTransaction(q: Db): Promise<SeenVersion> {
    const g = generation;
    const version = await deps.readVersion(q);
    // With a bound, refresh through the pool so the next saves are served from memory; without
    // one (checkEveryMs 0) every get reads anyway and a refresh would be wasted.
    if (!reading && deps.checkEveryMs > 0) readThroughPool().catch(() => undefined);
    return { version, generation: g };
  }

  return {
    db: deps.db,
    /** The version to compare cached values with; read from the database only when the held one is not fresh. */
    current(q?: Db): Promise<SeenVersion> {
      if (seen && seen.generation === generation && youngerThanBound(seen.startedAt))
        return Promise.resolve({ version: seen.version, generation });
      if (q !== undefined && q !== deps.db) return readInTransaction(q);
      if (reading && reading.generation === generation && youngerThanBound(reading.startedAt)) return reading.promise;
      return readThroughPool();
    },
    /** This process changed the configuration (after its commit): forget what was seen. */
    invalidate(): void {
      generation++;
      seen = null;
    },
    generation: () => generation,
  };
}

export type VersionedSnapshot<T> = ReturnType<typeof createVersionedSnapshot<T>>;

/**
 * A value loaded from the database and kept until the watch's version or generation changes.
 * Loads through the pool are shared by concurrent callers that saw the same version; a load
 * that an `invalidate()` overtook serves its own callers but is not kept.
 */
export function createVersionedSnapshot<T>(watch: ConfigWatch, load: (q: Db) => Promise<T>) {
  let held: (SeenVersion & { value: T }) | null = null;
  let loading: (SeenVersion & { promise: Promise<T> }) | null = null;
  const same = (a: SeenVersion | null, b: SeenVersion) =>
    a !== null && a.version === b.version && a.generation === b.generation;

  function loadFor(seen: SeenVersion, q: Db): Promise<T> {
    return load(q).then((value) => {
      if (seen.generation === watch.generation()) held = { ...seen, value };
      return value;
    });
  }

  return {
    async get(q?: Db): Promise<T> {
      const seen = await watch.current(q);
      if (held && same(held, seen)) return held.value;
      if (q !== undefined && q !== watch.db) return loadFor(seen, q);
      if (loading && same(loading, seen)) return loading.promise;
      const promise = loadFor(seen, watch.db).finally(() => {
        if (loading?.promise === promise) loading = null;
      });
      loading = { ...seen, promise };
      return promise;
    },
  };
}

/** Freezes a loaded value and everything inside it, so no caller can change what others will be served. */
export function freezeDeep<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value as Record<string, unknown>)) freezeDeep(inner);
  return Object.freeze(value);
}
