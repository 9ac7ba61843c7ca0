/**
 * The fencing token a claim writes into `lease_owner`: the worker's id plus a random part new
 * for every claim. Lease checks (renew, progress, the outcome write) compare with the token the
 * claim wrote, not the worker id. Why: a worker whose lease expired while its request or task was
 * still in flight (a database outage longer than the lease) may claim the same row again; with
 * its worker id as the owner, the stale first execution would pass every lease check of the
 * second. Two processes given the same explicit `workerId` are fenced the same way.
 * Invariant: the result is at most 100 characters (the `lease_owner` columns) — the config
 * allows a `workerId` of at most 90.
 */
import { randomBytes } from 'node:crypto';

/** A new lease owner for one claim by `workerId`: `<workerId>~<8 hex digits>`. */
export function newLeaseOwner(workerId: string): string {
  return `${workerId}~${randomBytes(4).toString('hex')}`;
}
