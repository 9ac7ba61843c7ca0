/**
 * install() refuses what it cannot work with BEFORE touching the database, attaches its hooks
 * before its worker starts, and health() tells ok / degraded / down apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { createTestContext, TEST_SECRET_KEY } from '../../helpers/test-host.js';
import { install, runWorker, type RecordHooks } from '../../../module/index.js';
import { manifestPath } from '../../../module/manifest.js';

describeEachEngine('install', (tdb) => {
  test('an incomplete HostContext is refused with one error naming each member, and nothing is created', async (t) => {
    // A database never migrated (the other tests install on the shared one).
    const own = await createTestDatabase(tdb().engine);
    t.after(() => own.destroy());
    const { context } = await createTestContext(own.db);
    // RecordService is a class: its methods live on the prototype, which a spread would drop.
    const records = Object.assign(Object.create(context.records), { get: undefined });
    const broken = { ...context, requireAdmin: undefined, records } as never;
    await assert.rejects(
      install(broken, { secretKey: TEST_SECRET_KEY, startWorker: false }),
      (err: Error & { fields?: object }) => {
        assert.match(
          err.message,
          /^Hookflow install: the HostContext is incomplete: .*host\.records\.get is missing.*host\.requireAdmin is missing/,
        );
        assert.deepEqual(Object.keys(err.fields ?? {}).sort(), ['records.get', 'requireAdmin']);
        return true;
      },
    );
    assert.equal(await own.db.schema.hasTable('hookflow_migrations'), false, 'refused before migrating');
  });

  test('a wrong manifest and unknown install options are refused, naming what is wrong', async (t) => {
    const { context } = await createTestContext(tdb().db);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-manifest-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const bad = path.join(dir, 'manifest.json');
    fs.writeFileSync(
      bad,
      JSON.stringify({
        ...JSON.parse(fs.readFileSync(manifestPath, 'utf8')),
        routes: { inbound: 'wf', admin: '/settings/hookflow' },
      }),
    );
    await assert.rejects(
      install(context, { secretKey: TEST_SECRET_KEY, startWorker: false, manifestFile: bad }),
      /manifest .*: routes\.inbound must be an absolute path/,
    );
    fs.writeFileSync(bad, '{ not json');
    await assert.rejects(
      install(context, { secretKey: TEST_SECRET_KEY, startWorker: false, manifestFile: bad }),
      /^Error: manifest .*manifest\.json: /,
    );
    await assert.rejects(
      install(context, { secretKey: TEST_SECRET_KEY, startWorker: false, sttings: {} } as never),
      /Hookflow option \(root\): Unrecognized key: "sttings"/,
    );
    await assert.rejects(install(context, { secretKey: 'short' }), /Hookflow option secretKey/);
  });

  test('hooks are attached before the worker starts and detached after it stopped', async () => {
    const { context } = await createTestContext(tdb().db);
    const seen: Array<{ hooks: boolean; workerRunning: boolean | null }> = [];
    let installed: { worker: { running: boolean } } | null = null;
    const host = {
      ...context,
      attachHooks: (hooks: RecordHooks | null) => {
        seen.push({ hooks: hooks !== null, workerRunning: installed?.worker.running ?? null });
        context.attachHooks(hooks);
      },
    };
    const hf = await install(host, { secretKey: TEST_SECRET_KEY, startWorker: true, settings: { pollIntervalMs: 50 } });
    installed = hf;
    assert.deepEqual(
      seen,
      [{ hooks: true, workerRunning: null }],
      'attached inside install, before the worker existed for the caller',
    );
    await hf.uninstall();
    assert.deepEqual(seen[1], { hooks: false, workerRunning: false }, 'detached once the worker had stopped');
    await hf.uninstall(); // idempotent
    assert.equal(seen.length, 2);
  });

  test('health: degraded without a live worker, ok with one, down when the database is gone', async () => {
    const { context } = await createTestContext(tdb().db);
    const web = await install(context, { secretKey: TEST_SECRET_KEY, startWorker: false });
    try {
      const degraded = await web.health();
      assert.equal(degraded.status, 'degraded');
      assert.deepEqual(degraded.migrations, { ok: true, pending: [] });
      assert.equal(degraded.database.ok, true);
      assert.equal(degraded.worker.running, false);

      const worker = await runWorker(context, {
        secretKey: TEST_SECRET_KEY,
        handleSignals: false,
        settings: { pollIntervalMs: 50 },
      });
      try {
        const fromWeb = await web.health();
        assert.equal(fromWeb.status, 'ok');
        assert.equal(fromWeb.workers.live, 1);
        assert.equal(fromWeb.workers.list[0].workerId, worker.workerId);
        const own = await worker.hookflow.health();
        assert.equal(own.worker.running, true);
        assert.deepEqual(
          own.worker.lanes.map((l) => l.name),
          ['runs', 'schedules', 'sweeps', 'deliveries', 'alerts'],
        );
        assert.ok(own.worker.lanes.every((l) => !l.stalled && l.lastCycleAt !== null));
      } finally {
        await worker.stop();
      }
      await worker.stopped;
      assert.equal((await web.health()).status, 'degraded', 'a cleanly stopped worker is no longer counted');
    } finally {
      await web.uninstall();
    }
  });
});

test('health is down (503) when the database does not answer', async (t) => {
  const tdb = await createTestDatabase('sqlite');
  t.after(() => tdb.destroy().catch(() => undefined));
  const { context } = await createTestContext(tdb.db);
  const hf = await install(context, { secretKey: TEST_SECRET_KEY, startWorker: false });
  await hf.uninstall();
  await tdb.db.destroy();
  const report = await hf.health();
  assert.equal(report.status, 'down');
  assert.equal(report.database.ok, false);
  assert.equal(report.migrations.ok, false);
  let status = 0;
  const answered = new Promise<{ status?: string }>((resolve) => {
    const res = {
      status(code: number) {
        status = code;
        return this;
      },
      set() {
        return this;
      },
      json: resolve,
    };
    hf.healthHandler({} as never, res as never, () => undefined);
  });
  const body = await answered;
  assert.equal(status, 503);
  assert.equal(body.status, 'down');
});
