import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createWorker, type WorkerLane } from '../../../module/worker.js';
import { resolveSettings } from '../../../module/config.js';

// A long poll interval: every claim after the first must come from a wake-up, never the timer.
const settings = resolveSettings({ pollIntervalMs: 60_000 });
const logger = { debug() {}, info() {}, warn() {}, error() {} };
// Lets the worker's promise chains settle: claims and completions here are promise callbacks
// only (no I/O, no timers), and every pending one runs before the next setImmediate callback.
const tick = () => new Promise((r) => setImmediate(r));

/** A lane whose items finish when the test says so; it records every claim's limit. */
function scriptedLane(name: string, concurrency: number, supply: number) {
  const claims: number[] = [];
  const finishers: Array<() => void> = [];
  let left = supply;
  const lane: WorkerLane<number> = {
    name,
    concurrency: () => concurrency,
    async claim(limit) {
      claims.push(limit);
      const n = Math.min(limit, left);
      left -= n;
      return Array.from({ length: n }, (_, i) => i);
    },
    process: () =>
      new Promise<void>((resolve) => {
        finishers.push(resolve);
      }),
  };
  return {
    lane,
    claims,
    finish: async (k: number) => {
      for (let i = 0; i < k; i++) finishers.shift()!();
      await tick();
    },
  };
}

describe('worker lanes: claim batching and lane-local wake-ups', () => {
  test('after completions a lane claims again only once a quarter of its slots are free', async () => {
    const d = scriptedLane('deliveries', 8, 100);
    const w = createWorker({ lanes: [d.lane], settings: () => settings, logger });
    w.start();
    await tick();
    assert.deepEqual(d.claims, [8]);
    await d.finish(1);
    assert.deepEqual(d.claims, [8], 'one free slot: no claim query yet');
    await d.finish(1);
    assert.deepEqual(d.claims, [8, 2], 'two free (8 / 4): one claim for both');
    await d.finish(1);
    w.wake(); // new work queued in this process: claim now, even for one slot
    await tick();
    assert.deepEqual(d.claims, [8, 2, 1]);
    const stopped = w.stop();
    await d.finish(8);
    await stopped;
  });

  test('a finished delivery does not make the other lanes query; wake() reaches them all', async () => {
    const d = scriptedLane('deliveries', 1, 100);
    const r = scriptedLane('runs', 1, 0);
    const w = createWorker({ lanes: [d.lane, r.lane], settings: () => settings, logger });
    w.start();
    await tick();
    assert.deepEqual([d.claims.length, r.claims.length], [1, 1]);
    await d.finish(1);
    await d.finish(1);
    assert.deepEqual([d.claims.length, r.claims.length], [3, 1], 'only the deliveries lane claimed again');
    w.wake();
    await tick();
    assert.equal(r.claims.length, 2);
    const stopped = w.stop();
    await d.finish(1);
    await stopped;
  });

  test('a wake-up that arrives while the lane is claiming is not lost', async () => {
    let claims = 0;
    let releaseFirst: (items: number[]) => void = () => {};
    const lane: WorkerLane<number> = {
      name: 'deliveries',
      concurrency: () => 4,
      claim: () =>
        ++claims === 1
          ? new Promise<number[]>((r) => {
              releaseFirst = r;
            })
          : Promise.resolve([]),
      process: async () => {},
    };
    const w = createWorker({ lanes: [lane], settings: () => settings, logger });
    w.start();
    await tick();
    w.wake(); // work queued after the claim's read: that claim finds nothing
    releaseFirst([]);
    await tick();
    assert.equal(claims, 2, 'claimed again at once, not after the 60 s poll');
    await w.stop();
  });
});
