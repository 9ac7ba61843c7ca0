/**
 * The verdict on one inbound workflow's runs: each answered `seq` ran exactly once (one run row,
 * `succeeded`, no lease left) and its webhook task queued exactly one delivery, which the
 * receiver got carrying that seq; a `stuck` seq (its key still in progress) ran at most once;
 * no run for a seq nobody posted.
 */
import type { Knex } from 'knex';
import type { ReceivedRequest } from './receiver.js';

export interface InboundRunVerdict {
  runs: number;
  /** Seqs with more than one run (a request run twice). */
  ranTwice: number;
  /** Stuck seqs whose run was stored (and finished) while their key's claim does not name it. */
  stuckWithRun: string[];
  problems: string[];
}

function parse<T>(text: unknown, fallback: T): T {
  try {
    return typeof text === 'string' ? JSON.parse(text) : ((text as T) ?? fallback);
  } catch {
    return fallback;
  }
}

export async function verifyInboundRuns(
  db: Knex,
  workflowId: number,
  seqs: { answered: string[]; stuck: string[] },
  receiverLog: Map<string, ReceivedRequest[]>,
): Promise<InboundRunVerdict> {
  const rows = await db('hookflow_runs')
    .where({ workflow_id: workflowId })
    .select('id', 'status', 'lease_owner', 'event');
  const deliveries = await db('hookflow_deliveries').whereIn(
    'run_id',
    rows.map((r) => r.id),
  );
  const bySeq = new Map<string, Array<{ id: number; status: string; lease_owner: string | null }>>();
  for (const r of rows) {
    const seq = String(parse<{ initialEnv?: { seq?: unknown } }>(r.event, {}).initialEnv?.seq);
    bySeq.set(seq, [...(bySeq.get(seq) ?? []), r]);
  }
  const v: InboundRunVerdict = { runs: rows.length, ranTwice: 0, stuckWithRun: [], problems: [] };
  for (const seq of seqs.stuck) {
    const runs = bySeq.get(seq) ?? [];
    bySeq.delete(seq);
    if (runs.length > 1) v.ranTwice += 1;
    if (runs.length > 1) v.problems.push(`stuck seq ${seq}: ${runs.length} runs`);
    if (runs.length === 1) v.stuckWithRun.push(`${seq} (run ${runs[0].id} ${runs[0].status})`);
  }
  for (const seq of seqs.answered) {
    const runs = bySeq.get(seq) ?? [];
    bySeq.delete(seq);
    if (runs.length > 1) v.ranTwice += 1;
    if (runs.length !== 1) {
      v.problems.push(`seq ${seq}: ${runs.length} runs (${runs.map((r) => `${r.id} ${r.status}`).join(', ')})`);
      continue;
    }
    const run = runs[0];
    const p: string[] = [];
    if (run.status !== 'succeeded') p.push(`status ${run.status}`);
    if (run.lease_owner) p.push(`still leased by ${run.lease_owner}`);
    const own = deliveries.filter((d) => Number(d.run_id) === Number(run.id));
    if (own.length !== 1) p.push(`${own.length} deliveries`);
    const got = own[0] && parse<{ seq?: unknown }>(receiverLog.get(own[0].webhook_id)?.[0]?.body, {}).seq;
    if (own.length === 1 && String(got) !== seq) p.push(`receiver got seq ${got}`);
    if (p.length > 0) v.problems.push(`seq ${seq} run ${run.id}: ${p.join('; ')}`);
  }
  for (const [seq, runs] of bySeq) v.problems.push(`seq ${seq} was never posted but has ${runs.length} run(s)`);
  return v;
}
