/**
 * `hookflow_workers`: the heartbeat rows of running worker processes (owner of the table's SQL).
 * A worker upserts its row on start and every `HEARTBEAT_MS`, and deletes it when it stops; a row
 * whose heartbeat is older than `LIVE_WITHIN_MS` (database clock) belongs to a dead process.
 */
import os from 'node:os';
import type { Knex } from 'knex';
import { dbNowMs, nowMsSql } from './storage/engine.js';
import type { LaneStatus } from './worker.js';

const TABLE = 'hookflow_workers';
/** How often a running worker writes its heartbeat. */
export const HEARTBEAT_MS = 10_000;
/** A worker is alive while its last heartbeat is at most this old (three missed beats). */
export const LIVE_WITHIN_MS = 3 * HEARTBEAT_MS;

export interface WorkerHeartbeat {
  workerId: string;
  hostname: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
  lanes: LaneStatus[];
}

export interface WorkerRegistry {
  /** Writes (inserts or refreshes) this worker's row. */
  beat(lanes: LaneStatus[]): Promise<void>;
  /** Deletes this worker's row (clean stop). */
  remove(): Promise<void>;
  /** Workers whose heartbeat is recent, newest first. */
  listLive(): Promise<WorkerHeartbeat[]>;
  /** Deletes rows of workers dead for longer than `olderThanMs`; returns how many. */
  pruneDead(olderThanMs: number): Promise<number>;
}

export function createWorkerRegistry(deps: { db: Knex; workerId: string; startedAt: number }): WorkerRegistry {
  const { db, workerId } = deps;
  return {
    async beat(lanes) {
      const row = { hostname: os.hostname().slice(0, 255), pid: process.pid, lanes: JSON.stringify(lanes) };
      await db(TABLE)
        .insert({ worker_id: workerId, started_at: deps.startedAt, heartbeat_at: db.raw(nowMsSql(db)), ...row })
        .onConflict('worker_id')
        .merge(['heartbeat_at', 'lanes']);
    },
    async remove() {
      await db(TABLE).where({ worker_id: workerId }).delete();
    },
    async listLive() {
      const since = (await dbNowMs(db)) - LIVE_WITHIN_MS;
      const rows = await db(TABLE).where('heartbeat_at', '>=', since).orderBy('heartbeat_at', 'desc').limit(100);
      return rows.map((r: Record<string, unknown>) => ({
        workerId: String(r.worker_id),
        hostname: String(r.hostname),
        pid: Number(r.pid),
        startedAt: Number(r.started_at),
        heartbeatAt: Number(r.heartbeat_at),
        lanes: JSON.parse(String(r.lanes)) as LaneStatus[],
      }));
    },
    async pruneDead(olderThanMs) {
      const before = (await dbNowMs(db)) - olderThanMs;
      return db(TABLE).where('heartbeat_at', '<', before).delete();
    },
  };
}
