/**
 * `health()`: what a host mounts (the reference host at `/healthz`) so scripts and orchestrators
 * can tell "up" from "starting" or "broken" instead of guessing.
 *
 *   down      (503) the database does not answer, migrations are not current, or this process's
 *                   own worker has a lane whose loop stopped turning (stuck on a query)
 *   degraded  (200) no worker process is alive anywhere: requests are accepted and queued, but
 *                   nothing is being sent — serving traffic is still right, paging someone is too
 *   ok        (200) otherwise
 *
 * Never throws; never shows connection strings or credentials (only the driver's error code).
 */
import type { Knex } from 'knex';
import type { RequestHandler } from 'express';
import { pendingMigrations } from './storage/migrate.js';
import type { HookflowSettings } from './config.js';
import type { LaneStatus, Worker } from './worker.js';
import type { WorkerHeartbeat, WorkerRegistry } from './worker-registry.js';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  checkedAt: string;
  database: { ok: boolean; latencyMs?: number; error?: string };
  migrations: { ok: boolean; pending: string[] };
  /** This process's worker (running false when the host runs workers elsewhere). */
  worker: { running: boolean; workerId: string; lanes: Array<LaneStatus & { stalled: boolean }> };
  /** Worker processes with a recent heartbeat, on any machine. */
  workers: { live: number; list: WorkerHeartbeat[] };
}

export interface HealthDeps {
  db: Knex;
  worker: Worker;
  workerId: string;
  registry: WorkerRegistry;
  settings(): HookflowSettings;
  /** Host clock (epoch ms), for lane times measured in this process. */
  now(): number;
}

/** A lane whose loop has not turned for this long is stuck: no poll, claim or back-off finished. */
export function stallAfterMs(s: Pick<HookflowSettings, 'pollIntervalMs' | 'leaseSeconds'>): number {
  return Math.max(60_000, 3 * s.pollIntervalMs, s.leaseSeconds * 1000);
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; errno?: unknown } | null;
  return typeof e?.code === 'string' ? e.code : 'unreachable';
}

async function checkDatabase(db: Knex, now: () => number): Promise<HealthReport['database']> {
  const started = now();
  try {
    await db.raw('SELECT 1');
    return { ok: true, latencyMs: now() - started };
  } catch (err) {
    return { ok: false, error: errorCode(err) };
  }
}

export function createHealth(deps: HealthDeps): { check(): Promise<HealthReport>; handler: RequestHandler } {
  async function check(): Promise<HealthReport> {
    const now = deps.now();
    const database = await checkDatabase(deps.db, deps.now);
    const pending = database.ok ? await pendingMigrations(deps.db).catch(() => null) : null;
    const list = database.ok ? await deps.registry.listLive().catch(() => []) : [];
    const stall = stallAfterMs(deps.settings());
    const running = deps.worker.running;
    const lanes = deps.worker
      .status()
      .map((l) => ({ ...l, stalled: running && (l.lastCycleAt === null || now - l.lastCycleAt > stall) }));
    const migrations = { ok: pending !== null && pending.length === 0, pending: pending ?? [] };
    const down = !database.ok || !migrations.ok || lanes.some((l) => l.stalled);
    return {
      status: down ? 'down' : list.length === 0 ? 'degraded' : 'ok',
      checkedAt: new Date(now).toISOString(),
      database,
      migrations,
      worker: { running, workerId: deps.workerId, lanes },
      workers: { live: list.length, list },
    };
  }
  const handler: RequestHandler = (_req, res) => {
    check().then(
      (report) => {
        res
          .status(report.status === 'down' ? 503 : 200)
          .set('Cache-Control', 'no-store')
          .json(report);
      },
      () => res.status(503).json({ status: 'down' }),
    );
  };
  return { check, handler };
}
