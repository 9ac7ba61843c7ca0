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
import type { InstallOptions } from './config.js';
import { parseInstallOptions } from './install-options.js';
import { migrateLatest } from './storage/migrate.js';
import { sqliteSharingProblems } from './storage/engine.js';
import { createSettingsStore, type SettingsStore } from './settings-store.js';
import { createSecretBox } from './secrets.js';
import { assertSecretKey } from './key-check.js';
import { createTemplateEngine } from './workflows/templates.js';
import { createTaskRegistry } from './workflows/tasks/index.js';
import { createWorkflowStore, type WorkflowStore } from './workflows/store.js';
import { webhookTargets } from './workflows/webhook-targets.js';
import { createWorkflowCatalog } from './workflows/workflow-catalog.js';
import { createConfigWatch } from './storage/versioned-snapshot.js';
import { readConfigVersion } from './storage/config-version.js';
import { createRunExecutor } from './workflows/executor.js';
import { createRunStarter, type RunStarter } from './workflows/start-run.js';
import { createRecordHooks, type RecordHooks } from './workflows/hooks.js';
import { createWorkflowService, type WorkflowService } from './workflows/service.js';
import { createRunLane } from './workflows/run-lane.js';
import { createScheduleLane, createSchedulePlanChore } from './workflows/schedule-lane.js';
import { createSweepLane } from './workflows/backfill-lane.js';
import { createBackfillApi } from './admin/backfill-api.js';
import { createWorker, createWakeSignal, type Worker } from './worker.js';
import { createManagementApi } from './admin/api.js';
import { enqueueDelivery, type NewDelivery } from './outbound/queue/enqueue.js';
import { createDeliveryLane } from './outbound/delivery-lane.js';
import { createDeliveryProcessor } from './outbound/delivery-processor.js';
import { createAnswerWriter } from './workflows/answer-writer.js';
import { createHeldSweepChore } from './outbound/held-sweep.js';
import { createImmediateSender } from './outbound/send-now.js';
import type { DeliveryQueue } from './workflows/task-types.js';
import { createDeliveryLogApi } from './outbound/log-api.js';
import { createWebhookStateApi } from './admin/webhook-state.js';
import { createRetentionChore } from './retention.js';
import { createAlertLane } from './alerts/alert-lane.js';
import { queueDeliveryAlerts, queueRunAlert } from './alerts/alert-queue.js';
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
  services: {
    workflows: WorkflowService;
    store: WorkflowStore;
    runs: RunStarter;
    settings: SettingsStore;
    permissions: PermissionStore;
    refusals: RefusalLog;
    workerId: string;
  };
  /** Stops everything install started (worker, timers, connections it opened); never closes `host.db`. */
  uninstall(): Promise<void>;
}

/**
 * Installs Hookflow into a host: checks the HostContext and the manifest, migrates the
 * `hookflow_*` tables, creates every object and (by default) starts the worker.
 */
export async function install(host: HostContext, rawOptions: InstallOptions): Promise<InstalledHookflow> {
  assertHostContext(host);
  const options = parseInstallOptions(rawOptions);
  const manifest = loadManifest(options.manifestFile);
  const { db, logger } = host;
  const now = () => host.now().getTime();
  await migrateLatest(db);
  const sqlite = await sqliteSharingProblems(db);
  if (sqlite.length > 0)
    logger.warn(
      { problems: sqlite },
      'SQLite is not set up for several processes (a web process and a worker): open it with openDatabase from hookflow',
    );
  const settingsStore = await createSettingsStore({ db, overrides: options.settings, now });
  const settings = () => settingsStore.get();
  const secretBox = createSecretBox(options.secretKey);
  const templates = createTemplateEngine();
  const taskTypes = createTaskRegistry();
  // Workflows and permissions are read from memory; every change bumps the version row that
  // every process compares at most every configCheckMs (the bound; storage/versioned-snapshot.ts).
  const configWatch = createConfigWatch({
    db,
    readVersion: readConfigVersion,
    checkEveryMs: options.configCheckMs as number /* defaulted by parseInstallOptions */,
    now: () => performance.now(),
  });
  const store = createWorkflowStore({ db, secretBox, now, changed: configWatch.invalidate });
  const workflowLookup = createWorkflowCatalog({ watch: configWatch, listAll: (q) => store.listAll(q) });
  await assertSecretKey(db, secretBox, store, now());
  const workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const signal = createWakeSignal();

  // The chain: record hooks and the short URL queue runs → the run lane executes them → webhook
  // tasks queue deliveries → the delivery lane sends them → final failures (of runs and
  // deliveries) queue alerts in the same transaction → the alert lane mails them.
  const targets = webhookTargets(store);
  const processor = createDeliveryProcessor({
    db,
    targets,
    onFinalFailure: queueDeliveryAlerts,
    answers: createAnswerWriter({ db, host }),
    settings,
    logger,
  });
  // A webhook waiting for its answer sends its delivery itself, through the same processor.
  const deliveryQueue: DeliveryQueue = {
    enqueue: async (d: NewDelivery) => {
      const stored = await enqueueDelivery(db, d);
      signal.wake();
      return stored;
    },
    sendNow: createImmediateSender({ db, processor, settings, workerId }),
  };
  const executor = createRunExecutor({
    db,
    host,
    store,
    taskTypes,
    templates,
    settings,
    logger,
    deliveries: deliveryQueue,
    onRunFailed: queueRunAlert,
    modulesMaxAgeMs: options.configCheckMs as number, // the configuration's bound, for the host's modules
  });
  const runStarter = createRunStarter({ db, host, executor, settings, workerId, wake: signal.wake });
  const hooks = createRecordHooks({ workflows: workflowLookup, settings, logger, now, onRunsQueued: signal.wake });
  const workflows = createWorkflowService({ host, store, taskTypes, templates, settings });
  const registry = createWorkerRegistry({ db, workerId, startedAt: now() });
  // Also what record sweeps use ("Run for existing records", cron schedules over every record).
  const schedules = { db, records: host.records, store, settings, logger, workerId, now, wake: signal.wake };
  const worker = createWorker({
    lanes: [
      createRunLane({ db, executor, settings, workerId }),
      createScheduleLane(schedules),
      createSweepLane(schedules),
      createDeliveryLane({
        db,
        processor,
        settings,
        workerId,
        onRenewError: (deliveryId, err) =>
          logger.warn({ deliveryId, err: String(err) }, 'delivery lease could not be renewed; trying again'),
      }),
      createAlertLane({
        db,
        host,
        store,
        settings,
        logger,
        workerId,
        adminUrl: `${trimTrailingSlashes(host.baseUrl)}${manifest.routes.admin}`,
      }),
    ],
    chores: [
      { name: 'settings-reload', everyMs: 5000, run: () => settingsStore.reload().then(() => undefined) },
      createRetentionChore({ db, settings, logger }),
      createHeldSweepChore({ db, targets, logger }),
      createSchedulePlanChore(schedules),
      // Rows of workers dead for a day are history nobody reads; each beat removes them.
      {
        name: 'heartbeat',
        everyMs: HEARTBEAT_MS,
        runAtStart: true,
        run: async () => {
          await registry.beat(worker.status());
          await registry.pruneDead(24 * 3600 * 1000);
        },
      },
    ],
    settings,
    logger,
    now,
  });
  signal.listen(() => worker.wake());
  const health = createHealth({ db, worker, workerId, registry, settings, now });

  const inbound = createInboundServices({ db, host, watch: configWatch });
  const inboundDeps = {
    db,
    host,
    store,
    workflowLookup,
    starter: runStarter,
    settings,
    logger,
    taskTypes,
    templates,
    ...inbound,
  };
  const permissionsApi = createPermissionsApi({ ...inboundDeps, inboundMount: manifest.routes.inbound });
  // One CSRF instance for the pages' forms and the API's X-CSRF-Token header: the same tokens.
  const csrf = createAdminCsrf({
    secret: createHmac('sha256', options.secretKey).update('hookflow admin csrf').digest('hex'),
    baseUrl: host.baseUrl,
  });
  const adminRouter = express.Router();
  adminRouter.use(host.requireAdmin, rememberAdminBase);
  adminRouter.use(
    '/api',
    createManagementApi({
      db,
      logger,
      service: workflows,
      store,
      starter: runStarter,
      csrf,
      extensions: [
        createDeliveryLogApi({ db, wake: signal.wake }),
        createWebhookStateApi({ db, store, logger, wake: signal.wake }),
        permissionsApi,
        createBackfillApi(schedules),
        createSettingsApi({ settingsStore, logger }),
      ],
    }),
  );
  adminRouter.use(
    createAdminPages({
      db,
      host,
      logger,
      manifest,
      workflows,
      store,
      starter: runStarter,
      settingsStore,
      taskTypes,
      templates,
      wake: signal.wake,
      csrf,
      ...inbound,
    }),
  );
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
    services: { workflows, store, runs: runStarter, settings: settingsStore, ...inbound, workerId },
    uninstall: () =>
      (uninstalling ??= (async () => {
        const wasRunning = worker.running;
        await worker.stop();
        host.attachHooks(null);
        await processor.close();
        // A cleanly stopped worker is not "dead": its row goes, so health() elsewhere stops counting it.
        if (wasRunning)
          await registry
            .remove()
            .catch((err) => logger.warn({ err: String(err) }, 'could not remove the worker heartbeat row'));
      })()),
  };
}
