/**
 * The FULL reference CRM as `npm start` runs it, on a bench database: `startServer` (host/server.ts:
 * the real http.Server with its timeouts, `openDatabase` with WAL and the prepared-statement cache,
 * migrations, `createHostApp` with every router and middleware, the real install with its
 * in-process worker, the demo users and records), then what `crm start` seeds: the demo
 * workflows (the "Web lead form" on trigger `leadform`, which creates a Lead and answers) and the
 * demo permission for loopback callers. The bench adds a trivial workflow (set_env + respond only)
 * with its own permission for 127.0.0.1, and raises the per-IP limit (see PER_IP_LIMIT).
 *
 * The seeding mirrors host/cli.ts `startDemo`, which is not exported (a seam: exporting it, or its
 * seed callback, would let the bench call the very same code).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadHostConfig } from '../../host/config.js';
import { startServer, type RunningServer } from '../../host/server.js';
import { seedDemoPermission, seedDemoWorkflows } from '../../host/seed-workflows.js';

/**
 * The whole load comes from ONE client address (127.0.0.1), and the per-IP limit (default 120 a
 * minute) counts every short-URL request before anything else: left at the default, all but the
 * first 120 requests of each minute would be 429s, which are not throughput (an earlier version of
 * this bench counted them as if they were). 100,000 a minute, the highest value the setting
 * accepts, is ~1,667 requests/s on average over a fixed 60 s window; the short-URL targets are
 * interleaved with the bare route (not limited), so the limiter's count stays well below it
 * unless a Hookflow target sustains > ~2,500 req/s. If it ever is reached, the 429s show up as
 * non-2xx answers and fail the run rather than inflating the numbers.
 */
export const PER_IP_LIMIT = 100_000;

export const LEADFORM_PATH = '/wf?trigger=leadform&record_id=0';
export const TRIVIAL_TRIGGER = 'bench-trivial';
export const TRIVIAL_PATH = `/wf?trigger=${TRIVIAL_TRIGGER}&record_id=0`;

export interface ReferenceHost {
  running: RunningServer;
  url: string;
  leadformWorkflowId: number;
  trivialWorkflowId: number;
  close(): Promise<void>;
}

/** Starts the reference CRM on `databaseUrl` (an empty, throwaway database) on 127.0.0.1:<free port>. */
export async function startReferenceHost(databaseUrl: string): Promise<ReferenceHost> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-bench-host-'));
  const config = loadHostConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    HOOKFLOW_DATA_DIR: dataDir,
    HOOKFLOW_SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    // HOOKFLOW_IN_PROCESS_WORKER keeps its default (true), as `npm start` runs it.
  });
  let ids = { leadform: 0, trivial: 0 };
  const running = await startServer(config, {
    handleSignals: false,
    print: () => undefined,
    seedWorkflows: async ({ host, seed, port }) => {
      const { hookflow } = host;
      // As host/cli.ts startDemo does:
      const current = hookflow.services.settings.get().outboundAllowlist;
      if (!current.includes('127.0.0.1/32'))
        await hookflow.services.settings.save({ outboundAllowlist: [...current, '127.0.0.1/32'] });
      await seedDemoWorkflows(hookflow, {
        accountingUrl: `http://127.0.0.1:${port}/demo/accounting/invoices`,
        thankYouUrl: '/demo/thank-you',
        ownerUserId: seed.admin.id,
      });
      await seedDemoPermission(hookflow);
      // The bench's own additions: an admin raising the per-IP limit on the settings page, …
      await hookflow.services.settings.save({
        ...hookflow.services.settings.get(),
        inboundPerIpPerMinute: PER_IP_LIMIT,
      });
      // … and the trivial workflow: no record, no database work of its own, only the handler's.
      const trivial = await hookflow.services.workflows.create(
        {
          module: 'Leads',
          title: 'Bench: trivial (set_env + respond)',
          status: 'active',
          trigger: 'http',
          triggerName: TRIVIAL_TRIGGER,
          tasks: [
            { type: 'set_env', title: 'source', options: { values: [{ name: 'source', value: 'Web form' }] } },
            { type: 'respond', title: 'answer', options: { body: { ok: true, source: '$env.source' } } },
          ],
        },
        seed.admin.id,
      );
      await hookflow.services.permissions.create({
        title: 'Bench: trivial workflow from this machine',
        triggerName: TRIVIAL_TRIGGER,
        sources: ['127.0.0.1'],
      });
      const leadform = (await hookflow.services.store.findByTriggerName('leadform'))[0];
      ids = { leadform: leadform.id, trivial: trivial.id };
    },
  });
  return {
    running,
    url: running.url,
    leadformWorkflowId: ids.leadform,
    trivialWorkflowId: ids.trivial,
    async close() {
      await running.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
