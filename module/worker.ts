/**
 * The background worker: a few "lanes" (runs, deliveries, alerts), each claiming leased work
 * from the database and processing it with bounded concurrency, plus periodic chores
 * (retention). It wakes at once when this process queues work, otherwise polls.
 * Invariant: stop() resolves only after every in-flight item has finished.
 */
import type { HostLogger } from './host.js';
import type { HookflowSettings } from './config.js';

export interface WorkerLane<T> {
  name: string;
  /** Items this lane may have in flight at once. */
  concurrency(): number;
  /** Leases up to `limit` due items. */
  claim(limit: number): Promise<T[]>;
  /** Processes one item; errors are logged, never thrown out of the worker. */
  process(item: T): Promise<void>;
}

export interface PeriodicChore {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

export interface WorkerDeps {
  lanes: WorkerLane<any>[];
  chores?: PeriodicChore[];
  settings(): HookflowSettings;
  logger: HostLogger;
}

export interface Worker {
  start(): void;
  stop(): Promise<void>;
  /** Claim now instead of waiting for the next poll. */
  wake(): void;
  /** Processes until no lane can claim anything (tests and CLI one-shots). */
  drain(): Promise<void>;
  readonly running: boolean;
}

export function createWorker(deps: WorkerDeps): Worker {
  let running = false;
  const sleepers = new Set<() => void>();
  const inflight = new Set<Promise<void>>();
  const loops: Promise<void>[] = [];
  const timers: NodeJS.Timeout[] = [];

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(t); sleepers.delete(done); resolve(); };
      const t = setTimeout(done, ms);
      sleepers.add(done);
    });
  }

  function wakeAll(): void {
    for (const done of [...sleepers]) done();
  }

  // An item's error is logged and never escapes: one bad item must not stop the lane.
  function processLogged<T>(lane: WorkerLane<T>, item: T): Promise<void> {
    return lane.process(item).catch((err) => deps.logger.error({ lane: lane.name, err: String(err?.stack ?? err) }, 'worker item failed'));
  }

  async function fill<T>(lane: WorkerLane<T>, active: Set<Promise<void>>): Promise<number> {
    const free = lane.concurrency() - active.size;
    if (free <= 0) return 0;
    const items = await lane.claim(free);
    for (const item of items) {
      const p: Promise<void> = processLogged(lane, item)
        .finally(() => { active.delete(p); inflight.delete(p); wakeAll(); });
      active.add(p);
      inflight.add(p);
    }
    return items.length;
  }

  async function loop<T>(lane: WorkerLane<T>): Promise<void> {
    const active = new Set<Promise<void>>();
    while (running) {
      let claimed = 0;
      try {
        if (deps.settings().enabled) claimed = await fill(lane, active);
      } catch (err) {
        deps.logger.error({ lane: lane.name, err: String((err as Error)?.message ?? err) }, 'worker claim failed; backing off');
        await sleep(Math.min(5000, deps.settings().pollIntervalMs * 2));
        continue;
      }
      if (!running) break;
      if (claimed === 0 || active.size >= lane.concurrency()) await sleep(deps.settings().pollIntervalMs);
    }
    await Promise.allSettled([...active]);
  }

  return {
    get running() { return running; },
    start() {
      if (running) return;
      running = true;
      for (const lane of deps.lanes) loops.push(loop(lane));
      for (const chore of deps.chores ?? []) {
        const t = setInterval(() => {
          chore.run().catch((err) => deps.logger.error({ chore: chore.name, err: String(err) }, 'worker chore failed'));
        }, chore.everyMs);
        t.unref();
        timers.push(t);
      }
    },
    async stop() {
      running = false;
      timers.splice(0).forEach(clearInterval);
      wakeAll();
      await Promise.allSettled(loops.splice(0));
      await Promise.allSettled([...inflight]);
    },
    wake() { wakeAll(); },
    async drain() {
      for (;;) {
        let claimed = 0;
        for (const lane of deps.lanes) {
          const items = await lane.claim(lane.concurrency());
          claimed += items.length;
          await Promise.all(items.map((i) => processLogged(lane, i)));
        }
        if (claimed === 0) return;
      }
    },
  };
}
