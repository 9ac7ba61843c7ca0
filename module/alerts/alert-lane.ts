// PLACEHOLDER owned by the alerts helper; replaced this session.
import type { Knex } from 'knex';
import type { HostContext, HostLogger } from '../host.js';
import type { HookflowSettings } from '../config.js';
import type { WorkflowStore } from '../workflows/store.js';
import type { WorkerLane } from '../worker.js';

export interface AlertLaneDeps {
  db: Knex;
  host: HostContext;
  store: WorkflowStore;
  settings(): HookflowSettings;
  logger: HostLogger;
  workerId: string;
  /** Absolute URL of the admin pages (links in the mail point into the webhook log). */
  adminUrl: string;
}

export function createAlertLane(_deps: AlertLaneDeps): WorkerLane<unknown> {
  return { name: 'alerts', concurrency: () => 1, claim: async () => [], process: async () => {} };
}
