/**
 * A timeline of what happened to a few deliveries, for a failing fault test's message: their
 * attempt rows, the receiver's answers and the fleet's kills and outages, in ms since `t0`.
 */
import type { Knex } from 'knex';
import type { ReceivedRequest } from './receiver.js';
import type { WorkerFleet } from './worker-fleet.js';

export async function describeTimeline(
  db: Knex,
  opts: {
    t0: number;
    deliveryIds: number[];
    log: Map<string, ReceivedRequest[]>;
    fleet: WorkerFleet;
    outageTimes: number[];
  },
): Promise<string> {
  const rel = (ms: number) => `${((ms - opts.t0) / 1000).toFixed(2)}s`;
  const lines: string[] = [];
  for (const id of opts.deliveryIds) {
    const d = await db('hookflow_deliveries').where({ id }).first();
    if (!d) continue;
    lines.push(
      `delivery ${id} ${d.webhook_id}: status ${d.status}, attempt_count ${d.attempt_count}, lease ${d.lease_owner ?? '-'}`,
    );
    for (const a of await db('hookflow_attempts').where({ delivery_id: id }).orderBy('attempt_no')) {
      lines.push(
        `  attempt ${a.attempt_no} by ${a.worker_id} started ${rel(Number(a.started_at))} -> ${a.status_code ?? a.outcome}`,
      );
    }
    for (const r of opts.log.get(d.webhook_id) ?? []) lines.push(`  receiver ${rel(r.at)} answered ${r.status}`);
  }
  lines.push('fleet:', ...opts.fleet.events.map((e) => `  ${rel(e.at)} pid ${e.pid} ${e.event}`));
  lines.push(...opts.outageTimes.map((t) => `  ${rel(t)} connection outage`));
  return lines.join('\n');
}
