/**
 * "Wait for the answer": a run sends its webhook's delivery itself, right away, through the same
 * processor the delivery lane uses — so the attempt is a row like any other, signed, guarded,
 * redacted, its answer saved back, its failure retried on the schedule and alerted. Only the
 * waiting differs: the run gets the outcome. A delivery another worker holds, or whose host is at
 * the per-host cap, is asked for again (20 ms doubling to 500 ms) until the answer timeout.
 * Its delivery is queued due only after that timeout (webhook task, `dueInMs`), so the delivery
 * lane does not take it first; one the run could not send is made due now when the run gives up.
 */
import type { Knex } from 'knex';
import type { HookflowSettings } from '../config.js';
import { leaseDeliveryNow } from './queue/claim-one.js';
import { processUnderLease, type LeasedProcessor } from './delivery-lane.js';
import { releaseWaitedDelivery } from './queue/enqueue.js';
import { attemptsOf, getDelivery } from './queue/read.js';
import { memoRateLimits } from './queue/rate-buckets.js';

/** How a delivery sent now ended: its status afterwards and its latest attempt's answer. */
export interface ImmediateOutcome {
  status: string;
  statusCode: number | null;
  body: string | null;
  contentType: string | null;
  error: string | null;
  /** Set when nothing was sent because the delivery's destination is held (it keeps failing). */
  heldDestination?: string;
}

export interface ImmediateSenderDeps {
  db: Knex;
  processor: LeasedProcessor;
  settings(): HookflowSettings;
  workerId: string;
  /** Default setTimeout-based. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The delivery's status and its latest attempt, as the waiting task sees them. */
async function outcomeOf(db: Knex, id: number): Promise<ImmediateOutcome> {
  const d = await getDelivery(db, id);
  if (!d)
    return {
      status: 'missing',
      statusCode: null,
      body: null,
      contentType: null,
      error: `delivery ${id} no longer exists`,
    };
  const last = (await attemptsOf(db, id)).at(-1);
  const contentType = last?.responseHeaders['content-type'] ?? null;
  return {
    status: d.status,
    statusCode: last?.statusCode ?? null,
    body: last?.responseBody ?? null,
    contentType,
    error: last?.error ?? d.lastError,
  };
}

export function createImmediateSender(deps: ImmediateSenderDeps) {
  const sleep = deps.sleep ?? defaultSleep;
  const rateLimits = memoRateLimits();
  return async function sendNow(deliveryId: number, timeoutMs: number): Promise<ImmediateOutcome> {
    const deadline = performance.now() + timeoutMs;
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      const s = deps.settings();
      const lease = await leaseDeliveryNow(deps.db, deliveryId, deps.workerId, {
        leaseSeconds: s.leaseSeconds,
        perHostConcurrency: s.perHostConcurrency,
        holdDestinations: s.destinationPauseAfterFailures > 0,
        rateLimits: rateLimits(s),
      });
      if (lease.state === 'destination_held')
        return { ...(await outcomeOf(deps.db, deliveryId)), heldDestination: lease.host };
      if (lease.state === 'leased') {
        // Under the lease heartbeat, as in the lane: a slow answer never lets another worker send it too.
        await processUnderLease(deps, lease.delivery, timeoutMs);
        break;
      }
      if (lease.state !== 'busy') break;
      if (performance.now() + wait > deadline) {
        // Never sent: the lane sends it as soon as there is room, not after its later due time.
        await releaseWaitedDelivery(deps.db, deliveryId);
        break;
      }
      await sleep(wait);
    }
    return outcomeOf(deps.db, deliveryId);
  };
}
