import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createConfigWatch, createVersionedSnapshot, freezeDeep } from '../../../module/storage/versioned-snapshot.js';

/** Stand-ins for the pool and a caller's transaction: only their identity matters here. */
const POOL = { name: 'pool' } as unknown as Knex;
const TRX = { name: 'trx' } as unknown as Knex.Transaction;

/** A fake database: a version the test sets, counted reads through each connection, and a clock. */
function fakeWorld(checkEveryMs: number) {
  const w = {
    clock: 0,
    version: 'v1' as string | null,
    data: 'A',
    reads: [] as string[],
    loads: [] as string[],
    /** When set, the next version read waits for this promise. */
    gate: null as Promise<void> | null,
  };
  const watch = createConfigWatch({
    db: POOL,
    checkEveryMs,
    now: () => w.clock,
    readVersion: async (q) => {
      w.reads.push((q as unknown as { name: string }).name);
      const version = w.version;
      if (w.gate) await w.gate;
      return version;
    },
  });
  const snapshot = createVersionedSnapshot(watch, async (q) => {
    w.loads.push((q as unknown as { name: string }).name);
    return `${w.data}@${w.version}`;
  });
  return { w, watch, snapshot };
}

test('within the bound the version is read once and the value loaded once', async () => {
  const { w, snapshot } = fakeWorld(1000);
  assert.equal(await snapshot.get(), 'A@v1');
  w.clock = 999;
  w.data = 'B';
  assert.equal(await snapshot.get(), 'A@v1', 'still fresh: served from memory');
  assert.deepEqual(w.reads, ['pool']);
  assert.deepEqual(w.loads, ['pool']);
});

test('after the bound the version is read again; the same version keeps the value, a new one reloads', async () => {
  const { w, snapshot } = fakeWorld(1000);
  await snapshot.get();
  w.clock = 1000;
  assert.equal(await snapshot.get(), 'A@v1');
  assert.equal(w.reads.length, 2, 'read again at the bound');
  assert.equal(w.loads.length, 1, 'same version: no reload');
  w.version = 'v2';
  w.data = 'B';
  w.clock = 1500;
  assert.equal(await snapshot.get(), 'A@v1', 'another process changed it 500 ms after the last read: not seen yet');
  w.clock = 2000;
  assert.equal(await snapshot.get(), 'B@v2', 'seen once the bound has passed since the read before the change');
  assert.equal(w.loads.length, 2);
});

test('freshness counts from the start of a read, so a slow read does not stretch the bound', async () => {
  const { w, snapshot } = fakeWorld(1000);
  let open!: () => void;
  w.gate = new Promise((resolve) => {
    open = resolve;
  });
  const first = snapshot.get();
  w.clock = 900; // the read took 900 ms
  open();
  await first;
  w.gate = null;
  w.clock = 1000;
  w.version = 'v2';
  assert.equal(await snapshot.get(), 'A@v2', 'the read started at 0 is stale at 1000 although it ended at 900');
});

test('checkEveryMs 0 reads the version on every get', async () => {
  const { w, snapshot } = fakeWorld(0);
  await snapshot.get();
  await snapshot.get();
  w.version = 'v2';
  assert.equal(await snapshot.get(), 'A@v2');
  assert.equal(w.reads.length, 3);
  assert.equal(w.loads.length, 2);
});

test('invalidate() (a change by this process) is seen by the next get, whatever the clock says', async () => {
  const { w, watch, snapshot } = fakeWorld(60_000);
  await snapshot.get();
  w.version = 'v2';
  w.data = 'B';
  watch.invalidate();
  assert.equal(await snapshot.get(), 'B@v2');
  assert.deepEqual(w.reads, ['pool', 'pool']);
});

test('a load overtaken by invalidate() serves its own callers but is not kept', async () => {
  const { w, watch, snapshot } = fakeWorld(60_000);
  let open!: () => void;
  w.gate = new Promise((resolve) => {
    open = resolve;
  });
  const early = snapshot.get(); // reads v1, waits at the gate
  watch.invalidate(); // this process commits a change meanwhile
  w.version = 'v2';
  w.data = 'B';
  open();
  w.gate = null;
  assert.equal(await early, 'B@v2', 'the early caller gets what its load read');
  w.data = 'C';
  assert.equal(await snapshot.get(), 'C@v2', 'the next get reloads: the overtaken load was not kept');
});

test('concurrent gets share one version read and one load', async () => {
  const { w, snapshot } = fakeWorld(1000);
  const values = await Promise.all([snapshot.get(), snapshot.get(), snapshot.get()]);
  assert.deepEqual(values, ['A@v1', 'A@v1', 'A@v1']);
  assert.deepEqual(w.reads, ['pool']);
  assert.deepEqual(w.loads, ['pool']);
});

test('inside a transaction: reads go through it, are not taken as fresh, and a pool refresh starts beside', async () => {
  const { w, snapshot } = fakeWorld(1000);
  w.version = 'v2';
  assert.equal(await snapshot.get(TRX), 'A@v2');
  assert.deepEqual(w.loads, ['trx'], "loaded through the caller's transaction");
  assert.deepEqual(w.reads.sort(), ['pool', 'trx'], 'one read through the transaction, one refresh through the pool');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(await snapshot.get(TRX), 'A@v2', 'the pool refresh made the version fresh: no further read');
  assert.equal(w.reads.length, 2);
});

test('a failed version read fails the get (never a stale answer) and the next get reads again', async () => {
  let fail = true;
  const watch = createConfigWatch({
    db: POOL,
    checkEveryMs: 1000,
    now: () => 0,
    readVersion: async () => {
      if (fail) throw new Error('database down');
      return 'v1';
    },
  });
  const snapshot = createVersionedSnapshot(watch, async () => 'value');
  await assert.rejects(snapshot.get(), /database down/);
  fail = false;
  assert.equal(await snapshot.get(), 'value');
});

test('freezeDeep freezes nested objects and arrays', () => {
  const v = freezeDeep({ a: { b: [1, { c: 2 }] } });
  assert.ok(Object.isFrozen(v) && Object.isFrozen(v.a) && Object.isFrozen(v.a.b) && Object.isFrozen(v.a.b[1]));
  assert.throws(() => {
    (v.a as { b: unknown }).b = [];
  }, TypeError);
});

test('checkEveryMs 0 inside a transaction: one read through it, no refresh beside it', async () => {
  const { w, snapshot } = fakeWorld(0);
  await snapshot.get(TRX);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(w.reads, ['trx']);
});
