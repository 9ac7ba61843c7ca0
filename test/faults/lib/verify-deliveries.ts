/**
 * The end-of-run verdict on deliveries, from the database rows and the receiver's log alone.
 *
 * Per delivery: it is finished (`success` or `failed`) and holds no lease; its attempt rows are
 * exactly 1..attempt_count; every recorded attempt is an answer the receiver really gave (the
 * recorded status codes are a subsequence of the receiver's answers for that webhook-id); it
 * is `success` exactly when the receiver answered 2xx, and `failed` only after MAX_ATTEMPTS
 * failure answers, with its alert queued.
 * Duplicates: the receiver sees a webhook-id succeed more than once only when its sender died
 * or lost the database between sending and recording. So every successful receipt but the last
 * must be followed, within one lease, by a fault (a worker kill or the connection outage);
 * one fault adds at most one receipt, so a delivery hit by one fault is received at most twice.
 */
import type { Knex } from 'knex';
import type { ReceivedRequest } from './receiver.js';

export interface DeliveryVerdict {
  deliveries: number;
  success: number;
  failed: number;
  /** Deliveries unfinished, with a wrong outcome, or with attempt rows missing or unexplained. */
  lost: number;
  /** Successful receipts beyond the first, over all webhook-ids. */
  duplicates: number;
  /** Most successful receipts of one webhook-id. */
  maxReceipts: number;
  /** Successful receipts but the last with no fault soon after them (should be 0). */
  unexplainedDuplicates: number;
  /** Requests the receiver answered that no attempt row records (a worker died first). */
  unrecordedSends: number;
  problems: string[];
}

interface Row {
  id: number;
  webhook_id: string;
  status: string;
  attempt_count: number;
  lease_owner: string | null;
}
interface AttemptRow {
  delivery_id: number;
  attempt_no: number;
  status_code: number | null;
}

const ok = (status: number | null) => status !== null && status >= 200 && status < 300;

function isSubsequence(recorded: Array<number | null>, answers: number[]): boolean {
  let i = 0;
  for (const a of answers) if (i < recorded.length && recorded[i] === a) i += 1;
  return i === recorded.length;
}

function problemsOf(
  d: Row,
  attempts: AttemptRow[],
  answers: ReceivedRequest[],
  hasAlert: boolean,
  maxAttempts: number,
): string[] {
  const p: string[] = [];
  if (d.status !== 'success' && d.status !== 'failed') p.push(`status ${d.status}`);
  if (d.lease_owner) p.push(`still leased by ${d.lease_owner}`);
  const numbers = attempts.map((a) => a.attempt_no);
  if (numbers.join() !== Array.from({ length: d.attempt_count }, (_, i) => i + 1).join())
    p.push(`attempt rows [${numbers}] for attempt_count ${d.attempt_count}`);
  const codes = attempts.map((a) => a.status_code);
  if (
    !isSubsequence(
      codes,
      answers.map((a) => a.status),
    )
  )
    p.push(`recorded [${codes}] but the receiver answered [${answers.map((a) => a.status)}]`);
  const successes = answers.filter((a) => ok(a.status)).length;
  if (successes > 0 && (d.status !== 'success' || !ok(codes.at(-1) ?? null)))
    p.push(`receiver answered 2xx but status is ${d.status}`);
  if (successes === 0 && d.status === 'success') p.push('success without a 2xx from the receiver');
  if (d.status === 'failed' && (d.attempt_count !== maxAttempts || codes.some(ok)))
    p.push(`failed after ${d.attempt_count} attempts [${codes}]`);
  if (d.status === 'failed' && !hasAlert) p.push('failed without a queued alert');
  return p;
}

export interface FaultTimes {
  /** Epoch ms of every worker kill and connection outage. */
  at: number[];
  /** How long after a 2xx a fault may come and still explain its duplicate, ms. */
  windowMs: number;
}

/** Successful receipts (but the last) that no fault followed within the window. */
function unexplainedReceipts(answers: ReceivedRequest[], faults: FaultTimes): ReceivedRequest[] {
  const receipts = answers.filter((a) => ok(a.status)).slice(0, -1);
  return receipts.filter((r) => !faults.at.some((t) => t >= r.at - 1000 && t <= r.at + faults.windowMs));
}

export async function verifyDeliveries(
  db: Knex,
  receiverLog: Map<string, ReceivedRequest[]>,
  maxAttempts: number,
  faults: FaultTimes,
): Promise<DeliveryVerdict> {
  const rows = (await db('hookflow_deliveries').select(
    'id',
    'webhook_id',
    'status',
    'attempt_count',
    'lease_owner',
  )) as Row[];
  const attempts = (await db('hookflow_attempts')
    .select('delivery_id', 'attempt_no', 'status_code')
    .orderBy(['delivery_id', 'attempt_no'])) as AttemptRow[];
  const alerted = new Set(
    (await db('hookflow_alerts').select('delivery_id')).map((a: { delivery_id: number }) => Number(a.delivery_id)),
  );
  const byDelivery = new Map<number, AttemptRow[]>();
  for (const a of attempts)
    byDelivery.set(Number(a.delivery_id), [
      ...(byDelivery.get(Number(a.delivery_id)) ?? []),
      { ...a, attempt_no: Number(a.attempt_no) },
    ]);
  const v: DeliveryVerdict = {
    deliveries: rows.length,
    success: 0,
    failed: 0,
    lost: 0,
    duplicates: 0,
    maxReceipts: 0,
    unexplainedDuplicates: 0,
    unrecordedSends: 0,
    problems: [],
  };
  const known = new Set<string>();
  for (const d of rows) {
    known.add(d.webhook_id);
    const own = byDelivery.get(Number(d.id)) ?? [];
    const answers = receiverLog.get(d.webhook_id) ?? [];
    const p = problemsOf(
      { ...d, attempt_count: Number(d.attempt_count) },
      own,
      answers,
      alerted.has(Number(d.id)),
      maxAttempts,
    );
    if (d.status === 'success') v.success += 1;
    if (d.status === 'failed') v.failed += 1;
    const receipts = answers.filter((a) => ok(a.status)).length;
    v.duplicates += Math.max(0, receipts - 1);
    v.maxReceipts = Math.max(v.maxReceipts, receipts);
    const unexplained = unexplainedReceipts(answers, faults);
    v.unexplainedDuplicates += unexplained.length;
    v.unrecordedSends += Math.max(0, answers.length - own.length);
    if (p.length > 0) v.lost += 1;
    if (unexplained.length > 0)
      p.push(
        `received successfully ${receipts} times; no fault soon after the receipt(s) at ${unexplained.map((r) => r.at)}`,
      );
    if (p.length > 0) v.problems.push(`delivery ${d.id} (${d.webhook_id}): ${p.join('; ')}`);
  }
  for (const id of receiverLog.keys()) if (!known.has(id)) v.problems.push(`receiver got unknown webhook-id ${id}`);
  return v;
}
