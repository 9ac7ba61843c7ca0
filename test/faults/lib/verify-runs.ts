/**
 * The end-of-run verdict on workflow runs: every accepted inbound request (202) and every
 * committed record change was executed exactly once as a run — `succeeded`, no lease left —
 * and its webhook task queued exactly one delivery, which the receiver got with the run's own
 * data. Rows only; the delivery outcomes themselves are checked by verifyDeliveries.
 */
import type { Knex } from 'knex';
import type { ReceivedRequest } from './receiver.js';

export interface ExpectedRuns {
  /** run_id answered with 202 → the `seq` that request carried. */
  accepted: Map<number, string>;
  /** Committed record updates as `<recordId>:<amount>`. */
  committed: Set<string>;
  inboundWorkflowId: number;
  recordWorkflowId: number;
}

export interface RunVerdict {
  runs: number;
  /** Accepted requests or committed changes without a succeeded run, or with a wrong one. */
  lost: number;
  /** Runs whose task log names a webhook-id other than the delivery's (see the report). */
  webhookIdMismatches: number;
  problems: string[];
}

interface RunRow {
  id: number;
  workflow_id: number;
  record_id: number | null;
  status: string;
  lease_owner: string | null;
  event: string;
  task_results: string;
}

function parse<T>(text: unknown, fallback: T): T {
  try {
    return typeof text === 'string' ? JSON.parse(text) : ((text as T) ?? fallback);
  } catch {
    return fallback;
  }
}

/** What the run was about: the inbound `seq`, or `<recordId>:<amount>` of the change. */
function keyOf(run: RunRow, inboundWorkflowId: number): string {
  const event = parse<{ initialEnv?: { seq?: unknown }; record?: { fields?: { amount?: unknown } } }>(run.event, {});
  if (Number(run.workflow_id) === inboundWorkflowId) return String(event.initialEnv?.seq);
  return `${run.record_id}:${event.record?.fields?.amount}`;
}

export async function verifyRuns(
  db: Knex,
  expected: ExpectedRuns,
  receiverLog: Map<string, ReceivedRequest[]>,
): Promise<RunVerdict> {
  const rows = (await db('hookflow_runs').select(
    'id',
    'workflow_id',
    'record_id',
    'status',
    'lease_owner',
    'event',
    'task_results',
  )) as RunRow[];
  const deliveries = await db('hookflow_deliveries').select('run_id', 'webhook_id');
  const deliveriesOf = new Map<number, string[]>();
  for (const d of deliveries)
    deliveriesOf.set(Number(d.run_id), [...(deliveriesOf.get(Number(d.run_id)) ?? []), d.webhook_id]);
  const v: RunVerdict = { runs: rows.length, lost: 0, webhookIdMismatches: 0, problems: [] };
  const seen = new Map<string, number>();
  for (const run of rows) {
    const key = `${run.workflow_id}/${keyOf(run, expected.inboundWorkflowId)}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const p: string[] = [];
    if (run.status !== 'succeeded') p.push(`status ${run.status}`);
    if (run.lease_owner) p.push(`still leased by ${run.lease_owner}`);
    const own = deliveriesOf.get(Number(run.id)) ?? [];
    if (own.length !== 1) p.push(`${own.length} deliveries`);
    const body = parse<{ seq?: unknown; deal?: unknown; amount?: unknown }>(
      receiverLog.get(own[0] ?? '')?.[0]?.body,
      {},
    );
    const got =
      Number(run.workflow_id) === expected.inboundWorkflowId ? String(body.seq) : `${body.deal}:${body.amount}`;
    if (own.length === 1 && `${run.workflow_id}/${got}` !== key) p.push(`receiver got ${got} for ${key}`);
    const logged = parse<Array<{ output?: { webhookId?: string } }>>(run.task_results, []).find(
      (r) => r.output?.webhookId,
    )?.output?.webhookId;
    if (own.length === 1 && logged !== own[0]) v.webhookIdMismatches += 1;
    if (p.length > 0) v.problems.push(`run ${run.id} (${key}): ${p.join('; ')}`);
  }
  const want = [
    ...[...expected.accepted].map(([runId, seq]) => ({
      key: `${expected.inboundWorkflowId}/${seq}`,
      what: `accepted run ${runId}`,
    })),
    ...[...expected.committed].map((c) => ({
      key: `${expected.recordWorkflowId}/${c}`,
      what: `committed change ${c}`,
    })),
  ];
  for (const w of want) {
    const n = seen.get(w.key) ?? 0;
    if (n !== 1) v.problems.push(`${w.what}: ${n} runs`);
  }
  // The run id a 202 named must be the run of that very request.
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const [id, seq] of expected.accepted) {
    const row = byId.get(id);
    if (!row || keyOf(row, expected.inboundWorkflowId) !== seq)
      v.problems.push(
        `accepted run ${id} (seq ${seq}) is ${row ? `the run of ${keyOf(row, expected.inboundWorkflowId)}` : 'missing'}`,
      );
  }
  v.lost = v.problems.length;
  if (rows.length !== want.length)
    v.problems.push(`${rows.length} runs for ${want.length} accepted requests and committed changes`);
  return v;
}
