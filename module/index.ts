/**
 * The package's public API — `import { install } from 'hookflow'` (ESM) or
 * `const { install } = require('hookflow')` (CommonJS, Node 20.19+). Everything a host needs is
 * here; anything not exported from this file is internal and may change in any release.
 */
export { install, type InstalledHookflow } from './install.js';
export { runWorker, type RunWorkerOptions, type RunningWorker } from './run-worker.js';
export type { InstallOptions, HookflowSettings, HookflowSettingsPatch } from './config.js';
export type { HealthReport } from './health.js';
export type { LaneStatus } from './worker.js';
export type { WorkerHeartbeat } from './worker-registry.js';
export type { RecordHooks } from './workflows/hooks.js';
export type {
  HostContext,
  HostRecords,
  HostUsers,
  HostUser,
  HostMailer,
  HostLogger,
  RecordEvent,
  CrmRecord,
  ModuleInfo,
  ModuleField,
  ChangeOrigin,
  RecordChangeOptions,
  RecordPageRequest,
  Db,
} from './host.js';
export { HookflowError, isHookflowError, errorLine, type ErrorCode, type FieldErrors } from './errors.js';
export { toHookflowError } from './http-errors.js';
export { isTransientDbError } from './storage/transient-errors.js';
export { hostContextProblems } from './host-check.js';
export { moduleDescriptionProblems, moduleListProblems } from './module-check.js';
export { loadManifest, manifestPath, type HookflowManifest } from './manifest.js';
export { migrateLatest as migrate, pendingMigrations } from './storage/migrate.js';
export { rotateKey } from './rotate-key.js';
export { importSummary } from './workflows/missing-secrets.js';
export {
  openDatabase,
  parseDatabaseUrl,
  type DatabaseTarget,
  type OpenDatabaseOptions,
} from './storage/database-url.js';
