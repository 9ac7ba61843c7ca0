/**
 * A log page over a time window reads the window's id range first (issue 16: a day 10 days back
 * took a second on MariaDB at a million rows). The bound must be exact whatever order the
 * clocks gave the rows: here some rows' times run against their ids, and paging the window
 * still shows exactly the rows inside it, each once. Each test has its own database.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { enqueueTestDelivery } from '../../helpers/deliveries.js';
import { migrateLatest } from '../../../module/storage/migrate.js';
import { boundByCreatedAt } from '../../../module/storage/paging.js';
import { listDeliveries } from '../../../module/outbound/queue/read.js';
import { insertRun, listRuns } from '../../../module/workflows/runs.js';

const BASE = 1_700_000_000_000;
/** Row i's time: one second apart, but three rows out of order (a slow insert, a clock step). */
const timeOf = (i: number) =>
  i === 4 ? BASE + 25_000 : i === 21 ? BASE + 6_000 : i === 12 ? BASE - 60_000 : BASE + i * 1000;
const ROWS = 30;
const WINDOW = { since: BASE + 5_000, until: BASE + 20_000 };

/** Every SQL statement `db` sends until the test ends (the page code's own statements). */
function sqlSeen(db: Knex, tc: TestContext): string[] {
  const seen: string[] = [];
  const listen = (q: { sql: string }) => seen.push(q.sql);
  db.on('query', listen);
  tc.after(() => db.off('query', listen));
  return seen;
}

describeEachEngine('log pages over a time window', (tdb) => {
  async function fresh(tc: TestContext): Promise<Knex> {
    const d = await createTestDatabase(tdb().engine);
    tc.after(() => d.destroy());
    await migrateLatest(d.db);
    return d.db;
  }

  async function timedDeliveries(db: Knex): Promise<Map<number, number>> {
    const at = new Map<number, number>();
    for (let i = 0; i < ROWS; i++) {
      const id = await enqueueTestDelivery(db, 'https://example.com/x');
      await db('hookflow_deliveries')
        .where({ id })
        .update({ created_at: timeOf(i) });
      at.set(id, timeOf(i));
    }
    return at;
  }

  async function timedRuns(db: Knex): Promise<Map<number, number>> {
    const at = new Map<number, number>();
    for (let i = 0; i < ROWS; i++) {
      const id = await insertRun(db, {
        workflowId: 1,
        trigger: 'record.created',
        source: 'record_event',
        module: 'Deals',
        recordId: i + 1,
        status: 'succeeded',
        mode: 'async',
        event: {},
        env: {},
      } as never);
      await db('hookflow_runs')
        .where({ id })
        .update({ created_at: timeOf(i) });
      at.set(id, timeOf(i));
    }
    return at;
  }

  const inWindow = (at: Map<number, number>, w: { since?: number; until?: number }) =>
    [...at]
      .filter(([, t]) => (!w.since || t >= w.since) && t < w.until!)
      .map(([id]) => id)
      .sort((a, b) => b - a);

  async function pageAll(
    next: (before?: number) => Promise<{ ids: number[]; nextBefore: number | null; total: number }>,
  ) {
    const seen: number[] = [];
    let before: number | undefined;
    let total = -1;
    for (let n = 0; n < 20; n++) {
      const p = await next(before);
      seen.push(...p.ids);
      total = p.total;
      if (p.nextBefore === null) break;
      before = p.nextBefore;
    }
    return { seen, total };
  }

  test('deliveries: every row created in the window, once, newest id first — rows out of time order included', async (tc) => {
    const db = await fresh(tc);
    const at = await timedDeliveries(db);
    for (const w of [WINDOW, { until: BASE + 3_000 }, { since: BASE + 24_000, until: BASE + 26_000 }]) {
      const want = inWindow(at, w);
      const got = await pageAll(async (before) => {
        const p = await listDeliveries(db, { limit: 4, before, ...w });
        return { ids: p.items.map((d) => d.id), nextBefore: p.nextBefore, total: p.total };
      });
      assert.deepEqual(got.seen, want, `window ${JSON.stringify(w)}`);
      assert.equal(got.total, want.length);
    }
    const empty = await listDeliveries(db, { limit: 4, since: BASE + 100_000, until: BASE + 200_000 });
    assert.deepEqual([empty.items.length, empty.total, empty.nextBefore], [0, 0, null]);
  });

  test('runs: the same window, the same rows', async (tc) => {
    const db = await fresh(tc);
    const at = await timedRuns(db);
    const got = await pageAll(async (before) => {
      const p = await listRuns(db, { limit: 4, before, ...WINDOW });
      return { ids: p.runs.map((r) => r.id), nextBefore: p.nextBefore, total: p.total };
    });
    assert.deepEqual(got.seen, inWindow(at, WINDOW));
  });

  test('the bound is the window’s own MIN and MAX id, read only up to its cap, and only with an until', async (tc) => {
    const db = await fresh(tc);
    const at = await timedDeliveries(db);
    const want = inWindow(at, WINDOW);
    const sqlOf = async (w: { since?: number; until?: number }, cap?: number) => {
      const q = db('hookflow_deliveries').select('id');
      await boundByCreatedAt(db, q, 'hookflow_deliveries', w, cap);
      return q.toSQL();
    };
    const bounded = await sqlOf(WINDOW);
    assert.match(bounded.sql, /between/i);
    assert.deepEqual(bounded.bindings, [Math.min(...want), Math.max(...want)]);
    assert.doesNotMatch((await sqlOf({ since: WINDOW.since })).sql, /where/i, 'no until: no bound');
    assert.doesNotMatch((await sqlOf(WINDOW, want.length - 1)).sql, /where/i, 'more rows than the cap: no bound');
    assert.match((await sqlOf(WINDOW, want.length)).sql, /between/i, 'exactly the cap: bounded');
    // Edges whose ids say "narrow": the first row, re-timed to be the latest-created before
    // `until`, makes the edges' ids look close; the exact read runs and counts 16, over a cap of 10.
    const [first] = [...at.keys()];
    await db('hookflow_deliveries')
      .where({ id: first })
      .update({ created_at: BASE + 19_500 });
    assert.doesNotMatch((await sqlOf(WINDOW, 10)).sql, /where/i, 'counted over the cap');
    await db('hookflow_deliveries')
      .where({ id: first })
      .update({ created_at: at.get(first) });
    // Edges whose ids say "wide": the exact read is skipped altogether.
    const probes: string[] = [];
    const probe = (x: { sql: string }) => probes.push(x.sql);
    db.on('query', probe);
    const wide = await sqlOf({ until: BASE + 20_000 }, 5);
    db.off('query', probe);
    assert.doesNotMatch(wide.sql, /where/i);
    assert.deepEqual(
      probes.filter((x) => /count\(/i.test(x)),
      [],
      'no read of up to the cap when the edges are 20 ids apart',
    );
    // The page itself asks for the bound (one query reads the window's ids, the page the range).
    const seen = sqlSeen(db, tc);
    for (const list of [
      () => listDeliveries(db, { limit: 4, ...WINDOW }),
      () => listRuns(db, { limit: 4, ...WINDOW }),
    ]) {
      seen.length = 0;
      await list();
      assert.ok(
        seen.some((s) => /min\(/i.test(s) && /max\(/i.test(s)),
        'the window’s ids are read',
      );
      assert.ok(
        seen.some((s) => /between|1 = 0/i.test(s) && /order by/i.test(s)),
        'the page walks the id range (an empty one for the runs: none here)',
      );
    }
  });

  test('a window too wide to bound walks the narrow (id, created_at) index on MariaDB/MySQL, and pages exactly', async (tc) => {
    const db = await fresh(tc);
    const at = await timedDeliveries(db);
    const seen = sqlSeen(db, tc);
    const forced = () => seen.filter((s) => /force index \(`hookflow_deliveries_id_created`\)/i.test(s));
    for (const w of [WINDOW, { until: BASE + 3_000 }, { until: BASE + 26_000 }]) {
      seen.length = 0;
      // A scan cap of 1: every window here is "too wide", so the page takes the walk.
      const got = await pageAll(async (before) => {
        const p = await listDeliveries(db, { limit: 4, before, ...w }, undefined, 1);
        return { ids: p.items.map((d) => d.id), nextBefore: p.nextBefore, total: p.total };
      });
      assert.deepEqual(got.seen, inWindow(at, w), `window ${JSON.stringify(w)}`);
      assert.equal(got.total, inWindow(at, w).length);
      if (tdb().engine === 'mysql') assert.ok(forced().length > 0, 'the page walks the narrow index');
      else assert.deepEqual(forced(), [], 'SQLite has no such index');
    }
    // Any other filter: its own index leads, nothing is forced.
    seen.length = 0;
    await listDeliveries(db, { limit: 4, status: 'queued', ...WINDOW }, undefined, 1);
    assert.deepEqual(forced(), [], 'a status filter is not forced onto the walk');
    if (tdb().engine !== 'mysql') return;
    const [plan] = await db.raw(
      'EXPLAIN SELECT id FROM hookflow_deliveries FORCE INDEX (hookflow_deliveries_id_created) WHERE created_at < ? ORDER BY id DESC LIMIT 51',
      [BASE],
    );
    assert.equal(plan[0].key, 'hookflow_deliveries_id_created');
    assert.match(String(plan[0].Extra), /Using index/, 'the walk reads the index alone');
  });

  test('runs: a window too wide to bound walks their narrow index too, and pages exactly', async (tc) => {
    const db = await fresh(tc);
    const at = await timedRuns(db);
    const seen = sqlSeen(db, tc);
    const w = { until: BASE + 26_000 };
    const got = await pageAll(async (before) => {
      const p = await listRuns(db, { limit: 4, before, ...w }, undefined, 1);
      return { ids: p.runs.map((r) => r.id), nextBefore: p.nextBefore, total: p.total };
    });
    assert.deepEqual(got.seen, inWindow(at, w));
    const forced = seen.filter((s) => /force index \(`hookflow_runs_id_created`\)/i.test(s));
    assert.equal(forced.length > 0, tdb().engine === 'mysql');
  });
});
