/**
 * Fault injection, the web process (issue 16): the reference CRM's web process (bin/crm.js start,
 * serving the short URL; no in-process worker) is SIGKILLed while clients post async and sync
 * short-URL requests, and started again; 1 `hookflow worker` process works the queue. Every
 * client sends an Idempotency-Key and repeats a cut-off, 409 or 503 request with it. Then:
 * every accepted async post (202) ran exactly once; every answered sync post (200 — from the
 * first request, or from a repeat answered from the stored run, which a worker finished once the
 * dead process's lease ran out) ran exactly once; no post ran twice; each run's delivery arrived.
 * A post whose key the killed process left "in progress" with no run is taken over by a repeat
 * once its claim has gone 30 s without a heartbeat (database clock), and runs then: no key is left
 * at 409 when the clients give up (they repeat for 45 s).
 * A sync run's row and the note of it on its key's claim commit in one transaction
 * (workflows/start-run.ts onStored), so a sync run the killed process left behind is always found
 * from its key: a repeat is answered from it once a worker finished it, never run a second time.
 * MariaDB/MySQL only (run by test:faults).
 *
 * Knobs: HOOKFLOW_FAULTS_WEB_POSTS (default 160: half async, half sync).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { faultServerUrl } from './lib/fault-database.js';
import type { WorkerFleet } from './lib/worker-fleet.js';
import { createFaultWorld, type FaultWorld } from './lib/fault-world.js';
import { createWebProcess, type WebProcess } from './lib/web-process.js';
import { newTally, runClients, type ClientTally } from './lib/inbound-clients.js';
import { verifyInboundRuns } from './lib/verify-inbound-runs.js';
import { verifyDeliveries } from './lib/verify-deliveries.js';
import { LEASE_SECONDS, MAX_ATTEMPTS } from './lib/fault-settings.js';
import { waitFor, waitUntilDone } from '../helpers/wait.js';

const POSTS = Number(process.env.HOOKFLOW_FAULTS_WEB_POSTS || 160);
const server = faultServerUrl();

describe(
  'fault injection: the web process SIGKILLed during short-URL posts',
  { skip: server ? false : 'set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 (MariaDB/MySQL only)' },
  () => {
    let world: FaultWorld;
    let web: WebProcess;
    let fleet: WorkerFleet | null = null;
    const workflows = { async: 0, sync: 0 };
    /** Sync seqs stuck at 409 whose run was stored and finished (see the todo test). */
    let syncStuckWithRun: string[] | null = null;

    before(async () => {
      world = await createFaultWorld(server as string, 0);
      const { h, receiver } = world;
      for (const mode of ['async', 'sync'] as const) {
        workflows[mode] = (
          await h.hookflow.services.workflows.create(
            {
              module: 'Leads',
              title: `Inbound ${mode}`,
              status: 'active',
              trigger: 'http',
              execMode: mode,
              tasks: [
                {
                  type: 'webhook',
                  title: 'notify',
                  options: { url: `${receiver.url}/${mode}`, params: [{ name: 'seq', value: '{{env.seq}}' }] },
                },
              ],
            },
            h.admin.id,
          )
        ).id;
        await h.hookflow.services.permissions.create({
          title: `web kill ${mode}`,
          workflowId: workflows[mode],
          sources: '127.0.0.1',
        });
      }
      web = createWebProcess({ databaseUrl: world.fdb.url, dataDir: world.dataDir });
    });
    after(async () => {
      await web?.stop();
      await fleet?.stopAll('SIGKILL');
      await world?.close();
    });

    test(
      `${POSTS} short-URL posts (async and sync), web process killed -9 and restarted: each ran once`,
      { timeout: 150_000 },
      async () => {
        const started = Date.now();
        const { fdb, receiver } = world;
        fleet = world.createFleet();
        await Promise.all([fleet.start(1), web.start()]);
        const half = Math.ceil(POSTS / 2);
        const seqs = Array.from({ length: half }, (_, i) => String(i));
        const tallies: Record<'async' | 'sync', ClientTally> = { async: newTally(), sync: newTally() };
        const baseUrl = () => web.url?.replace('//localhost:', '//127.0.0.1:') ?? null;
        const clients = (['async', 'sync'] as const).map((mode) =>
          runClients(
            {
              baseUrl,
              workflowId: workflows[mode],
              want: mode === 'async' ? 202 : 200,
              seqs,
              concurrency: 6,
              keyPrefix: `webkill-${started}-${mode}`,
              // Past the 30 s takeover of a claim the killed process left (a resumed sync run answers sooner).
              perRequestMs: 45_000,
            },
            tallies[mode],
          ),
        );
        const answered = () => tallies.async.answered.size + tallies.sync.answered.size;
        await waitFor('a third of the posts to be answered', 60_000, () => answered() >= POSTS / 3);
        const answeredAtKill = answered();
        const killedAt = await web.kill9();
        await web.start();
        await Promise.all(clients);
        const unfinished = async () =>
          Number((await fdb.db('hookflow_runs').whereIn('status', ['queued', 'running']).count({ n: '*' }))[0].n) +
          Number(
            (await fdb.db('hookflow_deliveries').whereIn('status', ['queued', 'dispatched']).count({ n: '*' }))[0].n,
          );
        await waitUntilDone(unfinished, { stallMs: 30_000, maxMs: 60_000 });
        await fleet.stopAll('SIGTERM');

        const outcome = (m: 'async' | 'sync') => ({
          answered: [...tallies[m].answered.keys()],
          stuck: tallies[m].stuck,
        });
        const verdicts = {
          async: await verifyInboundRuns(fdb.db, workflows.async, outcome('async'), receiver.log),
          sync: await verifyInboundRuns(fdb.db, workflows.sync, outcome('sync'), receiver.log),
        };
        // What the stuck keys' claims hold (run noted or not), for the todo test's message.
        const claims = await fdb
          .db('hookflow_idempotency')
          .whereIn(
            'idem_key',
            tallies.sync.stuck.map((seq) => `webkill-${started}-sync-${seq}`),
          )
          .select('idem_key', 'run_id', 'response_status');
        syncStuckWithRun = verdicts.sync.stuckWithRun.map(
          (w) =>
            `${w}, claim ${JSON.stringify(claims.find((c) => c.idem_key.endsWith(`-${w.split(' ')[0]}`)) ?? null)}`,
        );
        const d = await verifyDeliveries(fdb.db, receiver.log, MAX_ATTEMPTS, {
          at: [killedAt],
          windowMs: LEASE_SECONDS * 1000,
        });
        const line = (m: 'async' | 'sync') =>
          `${m}: answered=${tallies[m].answered.size} cut-off=${tallies[m].cutOff} waited(409/503)=${tallies[m].waited} ` +
          `replayed=${tallies[m].replayed} stuck-409=${tallies[m].stuck.length} (with a run: ${verdicts[m].stuckWithRun.length}) ` +
          `runs=${verdicts[m].runs} ran-twice=${verdicts[m].ranTwice}`;
        console.log(
          `faults/web-kill: posts=${POSTS} answered-before-kill=${answeredAtKill} ${line('async')} ${line('sync')} ` +
            `deliveries=${d.deliveries} lost=${d.lost} duplicates=${d.duplicates} seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
        );
        const problems = [
          ...tallies.async.refused,
          ...tallies.sync.refused,
          ...verdicts.async.problems,
          ...verdicts.sync.problems,
          ...d.problems,
        ];
        if (problems.length > 0 || web.crashes.length > 0)
          console.log(
            [
              ...problems.slice(0, 15),
              `web: ${web.events.map((e) => `${((e.at - started) / 1000).toFixed(2)}s ${e.event}`).join(', ')}`,
              web.output().slice(-3000),
              fleet.output().slice(-3000),
            ].join('\n'),
          );

        assert.deepEqual(web.crashes, [], 'no web process died by itself');
        assert.deepEqual(fleet.crashes, [], 'no worker died by itself');
        assert.ok(answeredAtKill < POSTS, 'the kill hit while posts were outstanding');
        assert.deepEqual(
          [...tallies.async.refused, ...tallies.sync.refused],
          [],
          'every post got its final answer or, its key left in progress by the killed process, 409',
        );
        const stuck = tallies.async.stuck.length + tallies.sync.stuck.length;
        assert.equal(stuck, 0, 'no key is left at 409: a claim the killed process left is taken over after 30 s');
        assert.equal(verdicts.async.ranTwice + verdicts.sync.ranTwice, 0, 'no post ran twice');
        assert.deepEqual(
          verdicts.async.problems.slice(0, 20),
          [],
          'every accepted async post ran exactly once and succeeded',
        );
        assert.deepEqual(verdicts.async.stuckWithRun, [], 'an async run commits with its key’s answer');
        assert.deepEqual(
          verdicts.sync.problems.slice(0, 20),
          [],
          'every answered sync post ran exactly once and succeeded',
        );
        assert.deepEqual(d.problems.slice(0, 20), [], 'every run’s delivery arrived');
        assert.equal(d.deliveries, verdicts.async.runs + verdicts.sync.runs, 'one delivery per run');
        assert.ok(2 * half - stuck <= d.deliveries, 'every answered post has its delivery');
      },
    );

    test('a sync run stored when the web process died is noted on its key (a repeat is answered from it)', () => {
      assert.ok(syncStuckWithRun !== null, 'the fault test above ran');
      assert.deepEqual(syncStuckWithRun, [], 'sync posts stuck at 409 although their run finished');
    });
  },
);
