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

/**
 * "New work was queued in this process": created first in install() and handed to everything
 * that queues work, so the worker (created last) can listen without a forward reference.
 */
export interface WakeSignal {
  /** Wakes the worker's lanes (no-op until a worker listens). */
  wake(): void;
  /** The worker subscribes here. */
  listen(fn: () => void): void;
}

export function createWakeSignal(): WakeSignal {
  const listeners: Array<() => void> = [];
  return {
    wake: () => {
      for (const fn of listeners) fn();
    },
    listen: (fn) => {
      listeners.push(fn);
    },
  };
}

export interface PeriodicChore {
  name: string;
  everyMs: number;
  run(): Promise<void>;
  /** Also run once as soon as the worker starts (e.g. the heartbeat). Default false. */
  runAtStart?: boolean;
}

export interface WorkerDeps {
  lanes: WorkerLane<any>[];
  chores?: PeriodicChore[];
  settings(): HookflowSettings;
  logger: HostLogger;
  /** Clock for the lane status times. Default `Date.now`. */
  now?: () => number;
}

/** What one lane is doing, for `health()` and the heartbeat row. Times are epoch ms or null. */
export interface LaneStatus {
  name: string;
  inFlight: number;
  /** Last claim query that answered (whether or not it found work). */
  lastClaimAt: number | null;
  /** Last turn of the lane's loop; a loop stuck on one query stops moving this. */
  lastCycleAt: number | null;
  /** Last claim error, until a claim succeeds again. */
  lastError: string | null;
}

export interface Worker {
  start(): void;
  stop(): Promise<void>;
  /** Claim now instead of waiting for the next poll. */
  wake(): void;
  /** Processes until no lane can claim anything (tests and CLI one-shots). */
  drain(): Promise<void>;
  /** Each lane's counters (all null/0 before start). */
  status(): LaneStatus[];
  readonly running: boolean;
}

/**
 * After one of its items finishes, a lane claims again only once this many slots are free (or
 * nothing is in flight): claiming one item per completion would cost one claim query per item.
 * Polls and wake() still claim any free slot, so a newly queued item never waits for this.
 */
function claimBatch(concurrency: number): number {
  return Math.max(1, Math.ceil(concurrency / 4));
}

export function createWorker(deps: WorkerDeps): Worker {
  const now = deps.now ?? Date.now;
  let running = false;
  const stats = new Map<string, LaneStatus>(
    deps.lanes.map((l) => [
      l.name,
      { name: l.name, inFlight: 0, lastClaimAt: null, lastCycleAt: null, lastError: null },
    ]),
  );
  // Per lane: its sleeping loop, and a wake-up that came while it was busy (claiming or
  // processing). Without that flag a wake during a claim whose read missed the new row would be
  // lost, and the item would wait a whole poll interval. An item's completion wakes only its own
  // lane; wake() (new work queued in this process) wakes every lane.
  const lanes = new Map<string, { sleepers: Set<() => void>; pending: boolean }>();
  const stateOf = (lane: string) => {
    let state = lanes.get(lane);
    if (!state) lanes.set(lane, (state = { sleepers: new Set(), pending: false }));
    return state;
  };
  const inflight = new Set<Promise<void>>();
  const loops: Promise<void>[] = [];
  const timers: NodeJS.Timeout[] = [];

  function sleep(lane: string, ms: number): Promise<void> {
    const state = stateOf(lane);
    if (state.pending) {
      state.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        state.sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      state.sleepers.add(done);
    });
  }

  function wakeLane(lane: string): void {
    const state = stateOf(lane);
    if (state.sleepers.size === 0) state.pending = true;
    for (const done of [...state.sleepers]) done();
  }

  function wakeAll(): void {
    for (const lane of deps.lanes) wakeLane(lane.name);
  }

  // An item's error is logged and never escapes: one bad item must not stop the lane.
  function processLogged<T>(lane: WorkerLane<T>, item: T): Promise<void> {
    return lane
      .process(item)
      .catch((err) => deps.logger.error({ lane: lane.name, err: String(err?.stack ?? err) }, 'worker item failed'));
  }

  async function fill<T>(lane: WorkerLane<T>, active: Set<Promise<void>>): Promise<number> {
    const free = lane.concurrency() - active.size;
    if (free <= 0) return 0;
    const items = await lane.claim(free);
    const stat = stats.get(lane.name)!;
    stat.lastClaimAt = now();
    stat.lastError = null;
    for (const item of items) {
      const p: Promise<void> = processLogged(lane, item).finally(() => {
        active.delete(p);
        inflight.delete(p);
        stat.inFlight = active.size;
        const concurrency = lane.concurrency();
        if (active.size === 0 || concurrency - active.size >= claimBatch(concurrency)) wakeLane(lane.name);
      });
      active.add(p);
      inflight.add(p);
    }
    stat.inFlight = active.size;
    return items.length;
  }

  async function loop<T>(lane: WorkerLane<T>): Promise<void> {
    const active = new Set<Promise<void>>();
    const stat = stats.get(lane.name)!;
    while (running) {
      let claimed = 0;
      stat.lastCycleAt = now();
      try {
        if (deps.settings().enabled) claimed = await fill(lane, active);
      } catch (err) {
        stat.lastError = String((err as Error)?.message ?? err);
        deps.logger.error({ lane: lane.name, err: stat.lastError }, 'worker claim failed; backing off');
        await sleep(lane.name, Math.min(5000, deps.settings().pollIntervalMs * 2));
        continue;
      }
      if (!running) break;
      if (claimed === 0 || active.size >= lane.concurrency()) await sleep(lane.name, deps.settings().pollIntervalMs);
    }
    await Promise.allSettled([...active]);
  }

  return {
    get running() {
      return running;
    },
    start() {
      if (running) return;
      running = true;
      for (const lane of deps.lanes) loops.push(loop(lane));
      for (const chore of deps.chores ?? []) {
        const runChore = () => {
          chore.run().catch((err) => deps.logger.error({ chore: chore.name, err: String(err) }, 'worker chore failed'));
        };
        if (chore.runAtStart) runChore();
        const t = setInterval(runChore, chore.everyMs);
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
    wake() {
      wakeAll();
    },
    status: () => [...stats.values()].map((s) => ({ ...s })),
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
