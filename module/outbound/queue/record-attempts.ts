/**
 * Recording attempts (owner of the attempt writes on `hookflow_deliveries` and
 * `hookflow_attempts`). Invariant: the attempt row and the delivery's new state are written in ONE
 * transaction, and only by the lease holder (a worker whose lease expired cannot overwrite the new
 * holder's outcome). A final failure's follow-up (its alert) is written in the same transaction by
 * the injected `onFinalFailure`, so outbound never names another folder's tables.
 */
import type { Knex } from 'knex';
import { engineOf, nowMsSql } from '../../storage/engine.js';
import type { Delivery } from './read.js';
import { keepWhileHeld, type DestinationPolicySettings } from '../destination-policy.js';
import {
  ensureDestinationRows,
  noteDestinationAttempts,
  resumeDestinations,
  type DestinationAttempt,
} from './destinations.js';

export interface AttemptRecord {
  outcome: 'success' | 'http_error' | 'network_error' | 'timeout' | 'blocked';
  statusCode: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  error: string | null;
  startedAt: number;
  durationMs: number;
  /** What "save from the response" did after this attempt, in plain words. Default none. */
  writeBack?: string | null;
}

/** `exhausted`: failed for having used up its retries (it keeps waiting while its destination is held). */
export type NextState =
  { status: 'success' } | { status: 'queued'; nextAttemptAt: number } | { status: 'failed'; exhausted?: boolean };

export interface AttemptWrite {
  delivery: Delivery;
  /** Written as the attempt's worker_id. */
  workerId: string;
  /** The claim's fencing token (storage/lease-owner.ts): the write is kept only while it holds the lease. */
  leaseOwner: string;
  attempt: AttemptRecord;
  next: NextState;
}

// Per written attempt: the delivery's new state, as one row of a derived table.
const STATE_COLUMNS = [
  'id',
  'status',
  'attempt_count',
  'next_attempt_at',
  'last_status_code',
  'last_error',
  'finished',
  'alert_state',
] as const;
const stateValues = ({ delivery: d, attempt: a, next }: AttemptWrite) => [
  d.id,
  next.status,
  d.attemptCount + 1,
  next.status === 'queued' ? next.nextAttemptAt : d.nextAttemptAt,
  a.statusCode,
  a.error,
  next.status === 'queued' ? 0 : 1,
  next.status === 'failed' ? 'pending' : 'none',
];

/** One UPDATE for the whole batch: the new states joined in from a derived table (engine syntax differs). */
async function updateStates(trx: Knex.Transaction, writes: AttemptWrite[]): Promise<void> {
  const now = nowMsSql(trx);
  const row = `SELECT ${STATE_COLUMNS.map((c) => `? AS ${c}`).join(', ')}`;
  const values = `(${writes.map(() => row).join(' UNION ALL ')})`;
  const set = (
    p: string,
  ) => `${p}status = v.status, ${p}attempt_count = v.attempt_count, ${p}next_attempt_at = v.next_attempt_at,
    ${p}last_status_code = v.last_status_code, ${p}last_error = v.last_error, ${p}lease_owner = NULL, ${p}lease_expires_at = NULL,
    ${p}updated_at = ${now}, ${p}finished_at = CASE WHEN v.finished = 1 THEN ${now} ELSE NULL END, ${p}alert_state = v.alert_state`;
  const sql =
    engineOf(trx) === 'mysql'
      ? `UPDATE hookflow_deliveries d JOIN ${values} v ON v.id = d.id SET ${set('d.')}`
      : `UPDATE hookflow_deliveries SET ${set('')} FROM ${values} AS v WHERE v.id = hookflow_deliveries.id`;
  await trx.raw(sql, writes.flatMap(stateValues));
}

const attemptRow = ({ delivery: d, workerId, attempt: a }: AttemptWrite) => ({
  delivery_id: d.id,
  attempt_no: d.attemptCount + 1,
  worker_id: workerId,
  outcome: a.outcome,
  status_code: a.statusCode,
  response_headers: a.responseHeaders ? JSON.stringify(a.responseHeaders) : null,
  response_body: a.responseBody,
  error: a.error,
  started_at: a.startedAt,
  duration_ms: a.durationMs,
  // The first attempt after a resend is the one its requester asked for.
  requested_by: d.resentAt !== null && d.attemptCount === d.cycleAttemptBase ? d.resentBy : null,
  write_back: a.writeBack ? a.writeBack.slice(0, 1000) : null,
});

/**
 * Writes several attempts in ONE transaction (group commit: one BEGIN/COMMIT, and one fsync on
 * MariaDB, for a whole batch) with a fixed number of statements whatever the batch size. Per
 * attempt: the delivery's new state, its attempt row, and for a final failure its alert outbox
 * row — all or nothing, and only while its worker still holds the lease (checked under a row
 * lock). Returns, per write, false when the lease was lost (another worker took the delivery
 * after the lease expired; its outcome stands).
 */
/** Called inside the attempts' transaction with the deliveries that just failed for good. */
export type OnFinalFailure = (trx: Knex.Transaction, failed: Delivery[]) => Promise<void>;

const destinationAttempt = ({ delivery: d, attempt: a }: AttemptWrite): DestinationAttempt => ({
  host: d.destinationHost,
  deliveryId: d.id,
  outcome: a.outcome,
  statusCode: a.statusCode,
  error: a.error,
});

/** While its destination is held, a delivery that used up its retries waits (due when the destination resumes). */
const waitingWhileHeld = (w: AttemptWrite, held: Set<string>): AttemptWrite =>
  keepWhileHeld(held.has(w.delivery.destinationHost), w.next)
    ? { ...w, next: { status: 'queued', nextAttemptAt: w.delivery.nextAttemptAt } }
    : w;

/**
 * `destinations` (the settings' pause policy) turns destination health on: each attempt counts
 * for or against its destination in the same transaction, a held destination's exhausted
 * deliveries keep waiting, and a held destination that got through is resumed.
 */
export async function recordAttempts(
  db: Knex,
  writes: AttemptWrite[],
  onFinalFailure?: OnFinalFailure,
  destinations?: DestinationPolicySettings,
): Promise<boolean[]> {
  if (writes.length === 0) return [];
  if (destinations) await ensureDestinationRows(db, writes.map(destinationAttempt));
  return db.transaction(async (trx) => {
    const held = trx('hookflow_deliveries')
      .select('id', 'lease_owner')
      .whereIn(
        'id',
        writes.map((w) => w.delivery.id),
      )
      .where('status', 'dispatched');
    const owners = new Map(
      (await (engineOf(trx) === 'mysql' ? held.forUpdate() : held)).map((r: any) => [Number(r.id), r.lease_owner]),
    );
    const kept = writes.map((w) => owners.get(w.delivery.id) === w.leaseOwner);
    let done = writes.filter((_, i) => kept[i]);
    if (done.length === 0) return kept;
    const health = destinations ? await noteDestinationAttempts(trx, done.map(destinationAttempt), destinations) : null;
    if (health) done = done.map((w) => waitingWhileHeld(w, health.held));
    await updateStates(trx, done);
    if (health) await resumeDestinations(trx, health.resumed);
    await trx('hookflow_attempts').insert(done.map(attemptRow));
    // The failure alert is itself queued work (an outbox row in this transaction), so a crash cannot lose it.
    const failed = done.filter((w) => w.next.status === 'failed').map((w) => w.delivery);
    if (failed.length > 0 && onFinalFailure) await onFinalFailure(trx, failed);
    return kept;
  });
}
