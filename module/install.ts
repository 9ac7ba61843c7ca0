/**
 * install(host) — the one place that creates and wires every Hookflow object.
 * It returns the hooks the host calls inside its save transactions, the two routers the host
 * mounts where manifest.json says, the worker, and uninstall(), which stops all it started.
 */
import os from 'node:os';
import { createHmac, randomBytes } from 'node:crypto';
import express, { type Router } from 'express';
import type { HostContext } from './host.js';
import { InstallOptions } from './config.js';
import { HookflowError } from './errors.js';
import { migrateLatest } from './storage/migrate.js';
import { createSettingsStore, type SettingsStore } from './settings-store.js';
import { createSecretBox } from './secrets.js';
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
import { loadManifest } from './manifest.js';

export type { HostContext } from './host.js';

export interface InstalledHookflow {
  hooks: RecordHooks;
  inboundRouter: Router;
  adminRouter: Router;
  worker: Worker;
  /** Services for the host's CLI and tests (import/export, seeding, manual runs). */
  services: { workflows: WorkflowService; store: WorkflowStore; runs: RunStarter; settings: SettingsStore; permissions: PermissionStore; refusals: RefusalLog; workerId: string };
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

export async function install(host: HostContext, rawOptions: InstallOptions): Promise<InstalledHookflow> {
  const options = parseOptions(rawOptions);
  const { db, logger } = host;
  const now = () => host.now().getTime();
  await migrateLatest(db);
  const settingsStore = await createSettingsStore({ db, overrides: options.settings, now });
  const settings = () => settingsStore.get();
  const secretBox = createSecretBox(options.secretKey);
  const templates = createTemplateEngine();
  const taskTypes = createTaskRegistry();
  const store = createWorkflowStore({ db, secretBox, now });
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
  const manifest = loadManifest();
  const alertLane = createAlertLane({ db, host, store, settings, logger, workerId, adminUrl: `${host.baseUrl.replace(/\/+$/, '')}${manifest.routes.admin}` });
  worker = createWorker({
    lanes: [runLane, deliveryLane, alertLane],
    chores: [
      { name: 'settings-reload', everyMs: 5000, run: async () => { await settingsStore.reload(); } },
      createRetentionChore({ db, settings, logger }),
    ],
    settings,
    logger,
  });

  const inbound = createInboundServices({ db, host });
  const inboundDeps = { db, host, store, starter: runs, settings, logger, taskTypes, templates, ...inbound };
  const permissionsApi = createPermissionsApi({ ...inboundDeps, inboundMount: manifest.routes.inbound });
  const adminRouter = express.Router();
  adminRouter.use(host.requireAdmin);
  adminRouter.use('/api', createManagementApi({ db, logger, service: workflows, store, starter: runs, extensions: [createDeliveryLogApi({ db, wake }), permissionsApi] }));
  adminRouter.use(createAdminPages({ db, host, logger, manifest, workflows, store, starter: runs, settingsStore, taskTypes, templates, wake, csrfSecret: createHmac('sha256', options.secretKey).update('hookflow admin csrf').digest('hex'), ...inbound }));

  const inboundRouter = createInboundRouter(inboundDeps);

  if (options.startWorker) worker.start();
  return {
    hooks,
    inboundRouter,
    adminRouter,
    worker,
    services: { workflows, store, runs, settings: settingsStore, ...inbound, workerId },
    async uninstall() {
      await worker?.stop();
      await deliveries.close();
    },
  };
}
