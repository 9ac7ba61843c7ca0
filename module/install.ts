/**
 * install(host) — the one place that creates and wires every Hookflow object.
 * It returns the hooks the host calls inside its save transactions, the two routers the host
 * mounts where manifest.json says, the worker, health(), and uninstall(), which stops all it started.
 * The package's public API is what index.ts re-exports; this file is only the wiring.
 */
import os from 'node:os';
import { createHmac, randomBytes } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import type { HostContext } from './host.js';
import { InstallOptions } from './config.js';
import { HookflowError } from './errors.js';
import { migrateLatest } from './storage/migrate.js';
import { sqliteSharingProblems } from './storage/engine.js';
import { createSettingsStore, type SettingsStore } from './settings-store.js';
import { createSecretBox } from './secrets.js';
import { assertSecretKey } from './key-check.js';
import { createTemplateEngine } from './workflows/templates.js';
import { createTaskRegistry } from './workflows/tasks/index.js';
import { createWorkflowStore, type WorkflowStore } from './workflows/store.js';
import { createRunExecutor } from './workflows/executor.js';
import { createRunStarter, type RunStarter } from './workflows/start-run.js';
import { createRecordHooks, type RecordHooks } from './workflows/hooks.js';
import { createWorkflowService, type WorkflowService } from './workflows/service.js';
import { claimDueRuns, type Run } from './workflows/runs.js';
import { createWorker, type Worker, type WorkerLane } from './worker.js';
import { createManagementApi } from './admin/api.js';
import { enqueueDeliveryOnce } from './outbound/enqueue.js';
import { claimDueDeliveries, type Delivery } from './outbound/deliveries.js';
import { createDeliveryProcessor } from './outbound/delivery-processor.js';
import { createDeliveryLogApi } from './outbound/log-api.js';
import { createRetentionChore } from './outbound/retention.js';
import { createAlertLane } from './alerts/alert-lane.js';
import { createInboundRouter, createInboundServices } from './inbound/router.js';
import type { PermissionStore } from './inbound/permissions.js';
import type { RefusalLog } from './inbound/refusals.js';
import { createPermissionsApi } from './inbound/permissions-api.js';
import { createAdminPages } from './admin/pages/index.js';
import { createAdminCsrf, rememberAdminBase } from './admin/pages/csrf.js';
import { createSettingsApi } from './admin/settings-api.js';
import { loadManifest, type HookflowManifest } from './manifest.js';
import { assertHostContext } from './host-check.js';
import { createHealth, type HealthReport } from './health.js';
import { createWorkerRegistry, HEARTBEAT_MS } from './worker-registry.js';
import { shortUrlOf } from './inbound/short-url.js';
import { trimTrailingSlashes } from './text.js';

export interface InstalledHookflow {
  /** Call inside the host's record-save transaction (see HostRecords). */
  hooks: RecordHooks;
  /** Mount at `manifest.routes.inbound` (default `/wf`). */
  inboundRouter: Router;
  /** Mount at `manifest.routes.admin` (default `/settings/hookflow`), behind the host's session middleware. */
  adminRouter: Router;
  /** The background worker (started by install unless `startWorker: false`). */
  worker: Worker;
  /** Database, migrations, worker lanes and live worker processes; never throws. */
  health(): Promise<HealthReport>;
  /** Express handler answering `health()` as JSON: 200 (ok, degraded) or 503 (down). */
  healthHandler: RequestHandler;
  /** The manifest this package was installed with (mount paths, settings entry). */
  manifest: HookflowManifest;
  /** The inbound short URL callers use, from the host's base URL and the current setting. */
  shortUrl(): string;
  /** Services for the host's CLI, seeding and tests (import/export, manual runs, settings). */
  services: { workflows: WorkflowService; store: WorkflowStore; runs: RunStarter; settings: SettingsStore; permissions: PermissionStore; refusals: RefusalLog; workerId: string };
  /** Stops everything install started (worker, timers, connections it opened); never closes `host.db`. */
  uninstall(): Promise<void>;
}

/** Validates install options; a bad option stops start-up with a message naming it. */
function parseOptions(raw: InstallOptions): InstallOptions & { settings: Record<string, unknown> } {
  const parsed = InstallOptions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HookflowError('bad_request', `Hookflow option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Installs Hookflow into a host: checks the HostContext and the manifest, migrates the
 * `hookflow_*` tables, creates every object and (by default) starts the worker.
 */
export async function install(host: HostContext, rawOptions: InstallOptions): Promise<InstalledHookflow> {
  assertHostContext(host);
  const options = parseOptions(rawOptions);
  const manifest = loadManifest(options.manifestFile);
  const { db, logger } = host;
  const now = () => host.now().getTime();
  await migrateLatest(db);
  const sqlite = await sqliteSharingProblems(db);
  if (sqlite.length > 0) logger.warn({ problems: sqlite }, 'SQLite is not set up for several processes (a web process and a worker): open it with openDatabase from hookflow');
  const settingsStore = await createSettingsStore({ db, overrides: options.settings, now });
  const settings = () => settingsStore.get();
  const secretBox = createSecretBox(options.secretKey);
  const templates = createTemplateEngine();
  const taskTypes = createTaskRegistry();
  const store = createWorkflowStore({ db, secretBox, now });
  await assertSecretKey(db, secretBox, store, now());
  const workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  // The worker is created last; these closures reach it once it exists.
  let worker: Worker | null = null;
  const wake = () => worker?.wake();

  const executor = createRunExecutor({ db, host, store, taskTypes, templates, settings, logger, enqueueDelivery: async (input) => { const stored = await enqueueDeliveryOnce(db, input as never); wake(); return stored; } });
  const runs = createRunStarter({ db, host, executor, settings, workerId, wake });
  const hooks = createRecordHooks({ store, settings, logger, now, onRunsQueued: wake });
  const workflows = createWorkflowService({ host, store, taskTypes, templates, settings });

  const runLane: WorkerLane<Run> = {
    name: 'runs',
    concurrency: () => Math.max(1, Math.min(8, settings().maxConcurrency)),
    claim: (limit) => claimDueRuns(db, workerId, limit, settings().leaseSeconds),
    process: async (run) => { await executor.execute(run, workerId); },
  };
  const deliveries = createDeliveryProcessor({ db, store, settings, logger });
  const deliveryLane: WorkerLane<Delivery> = {
    name: 'deliveries',
    concurrency: () => settings().maxConcurrency,
    claim: (limit) => claimDueDeliveries(db, workerId, limit, { leaseSeconds: settings().leaseSeconds, perHostConcurrency: settings().perHostConcurrency }),
    process: (delivery) => deliveries.process(delivery, workerId),
  };
  const alertLane = createAlertLane({ db, host, store, settings, logger, workerId, adminUrl: `${trimTrailingSlashes(host.baseUrl)}${manifest.routes.admin}` });
  const registry = createWorkerRegistry({ db, workerId, startedAt: now() });
  worker = createWorker({
    lanes: [runLane, deliveryLane, alertLane],
    chores: [
      { name: 'settings-reload', everyMs: 5000, run: async () => { await settingsStore.reload(); } },
      createRetentionChore({ db, settings, logger }),
      { name: 'heartbeat', everyMs: HEARTBEAT_MS, runAtStart: true, run: () => beat() },
    ],
    settings,
    logger,
    now,
  });
  const runningWorker = worker;
  // Rows of workers dead for a day are history nobody reads; each beat removes them.
  const beat = async () => { await registry.beat(runningWorker.status()); await registry.pruneDead(24 * 3600 * 1000); };
  const health = createHealth({ db, worker, workerId, registry, settings, now });

  const inbound = createInboundServices({ db, host });
  const inboundDeps = { db, host, store, starter: runs, settings, logger, taskTypes, templates, ...inbound };
  const permissionsApi = createPermissionsApi({ ...inboundDeps, inboundMount: manifest.routes.inbound });
  // One CSRF instance for the pages' forms and the API's X-CSRF-Token header: the same tokens.
  const csrf = createAdminCsrf({ secret: createHmac('sha256', options.secretKey).update('hookflow admin csrf').digest('hex'), baseUrl: host.baseUrl });
  const adminRouter = express.Router();
  adminRouter.use(host.requireAdmin, rememberAdminBase);
  adminRouter.use('/api', createManagementApi({ db, logger, service: workflows, store, starter: runs, csrf, extensions: [createDeliveryLogApi({ db, wake }), permissionsApi, createSettingsApi({ settingsStore, logger })] }));
  adminRouter.use(createAdminPages({ db, host, logger, manifest, workflows, store, starter: runs, settingsStore, taskTypes, templates, wake, csrf, ...inbound }));

  const inboundRouter = createInboundRouter(inboundDeps);

  host.attachHooks(hooks);
  if (options.startWorker) worker.start();
  let uninstalling: Promise<void> | undefined;
  return {
    hooks,
    inboundRouter,
    adminRouter,
    worker,
    health: health.check,
    healthHandler: health.handler,
    manifest,
    shortUrl: () => shortUrlOf(host.baseUrl, manifest.routes.inbound, settings().shortUrlPath),
    services: { workflows, store, runs, settings: settingsStore, ...inbound, workerId },
    uninstall: () => (uninstalling ??= (async () => {
      const wasRunning = runningWorker.running;
      await runningWorker.stop();
      host.attachHooks(null);
      await deliveries.close();
      // A cleanly stopped worker is not "dead": its row goes, so health() elsewhere stops counting it.
      if (wasRunning) await registry.remove().catch((err) => logger.warn({ err: String(err) }, 'could not remove the worker heartbeat row'));
    })()),
  };
}
