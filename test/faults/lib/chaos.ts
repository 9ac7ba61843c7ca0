/**
 * The fault schedule: SIGKILL a random worker (its replacement starts at once) `kills` times,
 * spread over the work by progress — kill k happens once progress() reaches k/(kills+1) of
 * `spread` — so the schedule fits any machine speed; and once, after kill `outageAfterKills`
 * with every worker started, drop every worker database connection with KILL (the
 * shared-server stand-in for a MariaDB restart).
 * A fault is only worth something while work is outstanding, so each notes whether progress
 * was still below 1; the tests assert that all were.
 */
import type { FaultDatabase } from './fault-database.js';
import type { WorkerFleet } from './worker-fleet.js';
import { sleep } from '../../helpers/wait.js';

export interface ChaosOptions {
  fleet: WorkerFleet;
  database: FaultDatabase;
  random: () => number;
  /** Worker kills to make. */
  kills: number;
  /** The connection outage happens after this many kills (before the next one). */
  outageAfterKills: number;
  /**
   * Share of the work (0-1) over which the faults are spread. Default 0.5: on a fast machine the
   * tail of the work (retries, a killed worker's leases) can end before a schedule spread over
   * 0.8 of it, with a recovery wait after the outage, makes its last kill (2026-12-08: 6 of 10
   * kills in a 16 s drain).
   */
  spread?: number;
  /**
   * Least time between two kills, ms (lets a replacement start). Default 500: shorter than a
   * lease, so each kill's leases keep work outstanding until the next kill.
   */
  minGapMs?: number;
  /** Finished share of the test's work, 0-1. */
  progress(): Promise<number>;
  /**
   * True once the worker with this pid has done work that started after `sinceMs` (epoch ms,
   * database clock).
   * After the outage the schedule waits (up to 30 s) until every worker that lived through it
   * has, so "recovered" is shown, not assumed.
   */
  workedSince(pid: number, sinceMs: number): Promise<boolean>;
  /** Stop early (the test finished, failed or timed out). */
  signal?: AbortSignal;
}

export interface ChaosReport {
  kills: number;
  /** Replacement workers that reached "running". */
  restarts: number;
  /** Connection outages made (KILL of every worker connection). */
  outages: number;
  /** Worker connections killed in the outages. */
  connectionsKilled: number;
  /** Faults made after the work had already finished (should be 0). */
  faultsWhenIdle: number;
  /** When each outage happened (epoch ms), for failure messages. */
  outageTimes: number[];
  /** Workers that lived through an outage and did not work again within 30 s (should be empty). */
  notRecovered: number[];
}

async function waitForProgress(o: ChaosOptions, target: number): Promise<number> {
  for (;;) {
    const p = await o.progress();
    if (p >= target || o.signal?.aborted) return p;
    await sleep(150 + 200 * o.random());
  }
}

async function outage(o: ChaosOptions, report: ChaosReport): Promise<void> {
  if ((await o.progress()) >= 1) report.faultsWhenIdle += 1;
  // Every worker fully started first: a start-up (migrations) cut short is a different test.
  await o.fleet.ready();
  const survivors = o.fleet.readyPids();
  const at = await o.database.nowMs();
  report.outageTimes.push(at);
  report.connectionsKilled += await o.database.killWorkerConnections();
  report.outages += 1;
  const pending = new Set(survivors);
  const until = Date.now() + 30_000;
  while (pending.size > 0 && Date.now() < until && !o.signal?.aborted) {
    for (const pid of [...pending]) if (await o.workedSince(pid, at)) pending.delete(pid);
    if (pending.size > 0) await sleep(200);
  }
  report.notRecovered.push(...pending);
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const report: ChaosReport = {
    kills: 0,
    restarts: 0,
    outages: 0,
    connectionsKilled: 0,
    faultsWhenIdle: 0,
    outageTimes: [],
    notRecovered: [],
  };
  const spread = o.spread ?? 0.5;
  for (let k = 1; k <= o.kills && !o.signal?.aborted; k++) {
    await sleep(o.minGapMs ?? 500);
    const p = await waitForProgress(o, (spread * k) / (o.kills + 1));
    if (o.signal?.aborted) break;
    if (p >= 1) report.faultsWhenIdle += 1;
    if (k === Math.min(o.outageAfterKills, o.kills - 1) + 1) await outage(o, report);
    await o.fleet.killOneAndRestart(o.random);
    report.kills += 1;
  }
  await o.fleet.ready().catch(() => undefined);
  report.restarts = o.fleet.restarts;
  return report;
}

/** Epoch ms of every fault the schedule made: worker kills and connection outages. */
export function faultTimesOf(fleet: WorkerFleet, report: ChaosReport): number[] {
  return [...fleet.events.filter((e) => e.event === 'SIGKILL').map((e) => e.at), ...report.outageTimes];
}
