/** The worker lane that executes queued runs (claimed from hookflow_runs under a lease). */
import type { Knex } from 'knex';
import type { HookflowSettings } from '../config.js';
import type { WorkerLane } from '../worker.js';
import type { RunExecutor } from './executor.js';
import { claimDueRuns } from './runs-lease.js';
import type { LeasedRun } from './runs.js';

export interface RunLaneDeps {
  db: Knex;
  executor: RunExecutor;
  settings(): HookflowSettings;
  workerId: string;
}

export function createRunLane(deps: RunLaneDeps): WorkerLane<LeasedRun> {
  return {
    name: 'runs',
    // Runs are short and mostly wait on the database: a few at a time is plenty.
    concurrency: () => Math.max(1, Math.min(8, deps.settings().maxConcurrency)),
    claim: (limit) => claimDueRuns(deps.db, deps.workerId, limit, deps.settings().leaseSeconds),
    process: async (run) => {
      await deps.executor.execute(run, deps.workerId);
    },
  };
}
