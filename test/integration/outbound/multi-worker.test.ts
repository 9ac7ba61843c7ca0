/**
 * Two `hookflow worker` processes draining one MariaDB/MySQL queue: nothing is sent twice, both
 * share the work, and a SIGKILLed worker's leased deliveries are re-sent by the other once the
 * lease expires. MariaDB/MySQL only: SQLite is the one-process engine.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { waitFor } from '../../helpers/wait.js';
import { createTestHost, TEST_SECRET_KEY, type TestHost } from '../../helpers/test-host.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';

const root = path.resolve(import.meta.dirname, '../../..');
const LEASE_SECONDS = 5;

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const alive = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;

/**
 * Spawns `hookflow worker` for test `t` and resolves once it says it is running. After the test
 * (also when it failed) a worker still alive is SIGKILLed, so no test inherits another's workers.
 */
async function spawnWorker(t: TestContext, databaseUrl: string, dataDir: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [path.join(root, 'bin/crm.js'), 'worker'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOOKFLOW_SECRET_KEY: TEST_SECRET_KEY,
      HOOKFLOW_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
  });
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    out += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const worker = { child, output: () => out, exited };
  t.after(async () => {
    if (alive(worker)) child.kill('SIGKILL');
    await exited;
  });
  await waitFor(`worker ${child.pid} to start`, 30_000, () => {
    if (child.exitCode !== null) throw new Error(`worker exited early: ${out}`);
    return /hookflow worker .* running against/.test(out);
  });
  return worker;
}

/** SIGTERM: each worker stops cleanly, exit code 0. */
async function stopCleanly(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) w.child.kill('SIGTERM');
  const codes = await Promise.all(workers.map((w) => w.exited));
  assert.deepEqual(
    codes,
    workers.map(() => 0),
    workers.map((w) => w.output()).join('\n---\n'),
  );
}

describeEachEngine('two worker processes on one queue', (tdb) => {
  let h: TestHost | null = null;
  let server: http.Server;
  let base = '';
  const received = new Map<string, number>();
  const hanging = new Set<string>(); // webhook-ids whose first request was left hanging
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-mw-'));
  const isMysql = () => tdb().engine === 'mysql';

  before(async () => {
    server = http.createServer((req, res) => {
      const id = String(req.headers['webhook-id']);
      received.set(id, (received.get(id) ?? 0) + 1);
      req.resume();
      // /hang-once: the first request of each delivery never gets an answer.
      if (req.url === '/hang-once' && !hanging.has(id)) {
        hanging.add(id);
        return;
      }
      req.on('end', () => setTimeout(() => res.writeHead(200).end('ok'), 5));
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (!isMysql()) return;
    h = await createTestHost(tdb().db);
    // Settings live in the database, so the worker processes read them at start.
    await h.hookflow.services.settings.save({
      outboundAllowlist: ['127.0.0.1/32'],
      leaseSeconds: LEASE_SECONDS,
      requestTimeoutMs: LEASE_SECONDS * 1000 - 1000,
      mailTimeoutMs: LEASE_SECONDS * 1000 - 1000,
      recordCallTimeoutMs: LEASE_SECONDS * 1000 - 1000,
      pollIntervalMs: 50,
      maxConcurrency: 8,
      perHostConcurrency: 16,
    });
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await h?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const enqueueMany = (n: number, url: string) =>
    tdb().db.transaction(async (trx) => {
      const ids: number[] = [];
      for (let i = 0; i < n; i++) {
        ids.push(
          (
            await enqueueDelivery(trx, {
              webhookId: `msg_${randomUUID()}`,
              runId: null,
              workflowId: null,
              taskId: null,
              eventType: null,
              module: 'Deals',
              recordId: i,
              method: 'POST',
              url,
              headers: {},
              contentType: 'application/json',
              body: `{"n":${i}}`,
              originKey: null,
            })
          ).id,
        );
      }
      return ids;
    });
  const countSuccess = async (ids: number[]) =>
    Number(
      (await tdb().db('hookflow_deliveries').whereIn('id', ids).where({ status: 'success' }).count({ n: '*' }))[0].n,
    );

  test('300 deliveries, two processes: each webhook-id received exactly once, both workers did some; SIGTERM stops both cleanly', async (t) => {
    if (!isMysql()) return t.skip('MariaDB/MySQL only (SQLite runs one worker process)');
    const workers = [await spawnWorker(t, tdb().url, dataDir), await spawnWorker(t, tdb().url, dataDir)];
    const ids = await enqueueMany(300, `${base}/ok`);
    await waitFor('300 successes', 90_000, async () => (await countSuccess(ids)) === 300);
    const webhookIds = (await tdb().db('hookflow_deliveries').whereIn('id', ids).select('webhook_id')).map(
      (r: any) => r.webhook_id,
    );
    assert.deepEqual(
      webhookIds.map((id: string) => received.get(id)),
      webhookIds.map(() => 1),
      'every delivery was received exactly once',
    );
    const perWorker = await tdb()
      .db('hookflow_attempts')
      .whereIn('delivery_id', ids)
      .groupBy('worker_id')
      .select('worker_id')
      .count({ n: '*' });
    assert.equal(perWorker.length, 2, `both workers sent some: ${JSON.stringify(perWorker)}`);
    assert.equal(
      perWorker.reduce((s: number, r: any) => s + Number(r.n), 0),
      300,
      'one attempt per delivery',
    );
    await stopCleanly(workers);
  });

  test("a SIGKILLed worker's leased deliveries are sent by the other after the lease expires", async (t) => {
    if (!isMysql()) return t.skip('MariaDB/MySQL only (SQLite runs one worker process)');
    const victim = await spawnWorker(t, tdb().url, dataDir);
    // Two: a receiver the worker has not yet seen answer holds at most a quarter of its 8 lanes
    // (lane fairness), so two is what one worker leases of a hanging one at once.
    const ids = await enqueueMany(2, `${base}/hang-once`);
    await waitFor('2 hanging requests from the first worker', 20_000, () => hanging.size === 2);
    const leased = await tdb()
      .db('hookflow_deliveries')
      .whereIn('id', ids)
      .select('status', 'lease_owner', 'lease_expires_at');
    assert.ok(
      leased.every((d: any) => d.status === 'dispatched' && d.lease_owner),
      'held under a lease',
    );
    victim.child.kill('SIGKILL');
    assert.equal(await victim.exited, null, 'killed, not exited');
    const survivor = await spawnWorker(t, tdb().url, dataDir);
    await waitFor('the other worker to re-send them', 30_000, async () => (await countSuccess(ids)) === 2);
    const attempts = await tdb().db('hookflow_attempts').whereIn('delivery_id', ids).select('worker_id', 'started_at');
    assert.equal(attempts.length, 2, 'the killed worker recorded nothing; the survivor one attempt each');
    assert.ok(
      attempts.every((a: any) => a.worker_id !== leased[0].lease_owner),
      'all by the survivor',
    );
    const leaseEnd = Math.max(...leased.map((d: any) => Number(d.lease_expires_at)));
    assert.ok(
      attempts.every((a: any) => Number(a.started_at) >= leaseEnd - 1),
      'not before the lease expired',
    );
    const webhookIds = (await tdb().db('hookflow_deliveries').whereIn('id', ids).select('webhook_id')).map(
      (r: any) => r.webhook_id,
    );
    assert.deepEqual(
      webhookIds.map((id: string) => received.get(id)),
      [2, 2],
      'the re-send carries the same webhook-id',
    );
    await stopCleanly([survivor]);
  });
});
