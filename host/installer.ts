/**
 * The shape of Hookflow's `install` as the host consumes it, and the loader for the real one.
 *
 * The host depends on these structural types rather than on module/index.ts directly, so
 * tests can inject a fake installer and the host type-checks on its own.
 */
import type { Knex } from 'knex';
import type { Router } from 'express';
import type { HostContext, RecordEvent } from '../module/host.js';
import type { HookflowSettingsPatch } from '../module/config.js';
// Type-only: erased at runtime, so hosts built with a fake installer never load the module.
import type { install as realInstall } from '../module/index.js';

/** The lifecycle hooks; the host calls them inside its record-save transaction. */
export interface RecordHooks {
  recordCreated(event: RecordEvent, trx: Knex.Transaction): Promise<void>;
  recordUpdated(event: RecordEvent, trx: Knex.Transaction): Promise<void>;
  recordDeleted(event: RecordEvent, trx: Knex.Transaction): Promise<void>;
}

export interface InstalledHookflow {
  hooks: RecordHooks;
  /** Mounted at `manifest.routes.inbound`. */
  inboundRouter: Router;
  /** Mounted at `manifest.routes.admin`. */
  adminRouter: Router;
  worker: { start(): void; stop(): Promise<void> };
  /** Stops everything `install` started (worker, timers). */
  uninstall(): Promise<void>;
}

export interface InstallOptions {
  secretKey: string;
  settings?: HookflowSettingsPatch;
  startWorker?: boolean;
  workerId?: string;
}

/** What the real `install` returns: the minimum above plus `services` for the CLI and seeding. */
export type RealInstalledHookflow = Awaited<ReturnType<typeof realInstall>>;

export type ModuleInstaller<T extends InstalledHookflow = InstalledHookflow> = (host: HostContext, options: InstallOptions) => Promise<T>;

/**
 * The real installer from module/index.ts, imported lazily so that a host started with an
 * injected installer (tests) never loads the module.
 */
export const loadModuleInstaller: ModuleInstaller<RealInstalledHookflow> = async (host, options) => {
  const mod = (await import('../module/index.js')) as { install?: typeof realInstall };
  if (typeof mod.install !== 'function') throw new Error('module/index.ts does not export install()');
  return mod.install(host, options);
};
