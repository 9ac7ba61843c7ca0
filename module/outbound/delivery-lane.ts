/**
 * The worker lane that sends due deliveries (claimed from the delivery queue under a lease). While
 * one is processed its lease is renewed by a timer (the lease heartbeat); a lost lease aborts the
 * request in flight, and the attempt is not recorded (the new holder decides).
 */
import type { Knex } from 'knex';
import type { HookflowSettings } from '../config.js';
import type { WorkerLane } from '../worker.js';
import { withLeaseHeartbeat, type LeaseTimers } from '../storage/lease-heartbeat.js';
import { claimDueDeliveries, type ClaimedDelivery } from './queue/claim.js';
import { renewDeliveryLease } from './queue/lease.js';
import { releaseAllHeldDestinations } from './queue/destinations.js';
import { memoRateLimits } from './queue/rate-buckets.js';
import { createAnswerMemory, laneConcurrency, type InFlightRequest } from './lane-fairness.js';

export interface DeliveryLaneDeps {
  db: Knex;
  processor: LeasedProcessor;
  settings(): HookflowSettings;
  workerId: string;
  /** Timers of the lease heartbeat. Default the real ones (tests drive them by hand). */
  leaseTimers?: LeaseTimers;
  /** Told when a renewal failed (the next beat tries again). Default none. */
  onRenewError?(deliveryId: number, err: unknown): void;
  /** This process's clock for how long its requests are in flight (lane fairness). Default Date.now. */
  now?(): number;
}

export interface LeasedProcessor {
  process(
    delivery: ClaimedDelivery,
    workerId: string,
    opts?: { lease?: AbortSignal; timeoutMs?: number },
  ): Promise<void>;
}

/** Processes a leased delivery while a timer renews its lease (also used by a run waiting for an answer). */
export function processUnderLease(
  deps: Omit<DeliveryLaneDeps, 'processor'> & { processor: LeasedProcessor },
  delivery: ClaimedDelivery,
  timeoutMs?: number,
): Promise<void> {
  const leaseSeconds = deps.settings().leaseSeconds;
  return withLeaseHeartbeat(
    {
      renew: () => renewDeliveryLease(deps.db, delivery.id, delivery.leaseOwner, leaseSeconds),
      leaseMs: leaseSeconds * 1000,
      timers: deps.leaseTimers,
      onRenewError: (err) => deps.onRenewError?.(delivery.id, err),
    },
    (lease) => deps.processor.process(delivery, deps.workerId, { lease, timeoutMs }),
  );
}

export function createDeliveryLane(deps: DeliveryLaneDeps): WorkerLane<ClaimedDelivery> {
  const now = deps.now ?? Date.now;
  // This worker's requests in flight, so slow destinations never take more than half its lanes.
  const inFlight = new Map<number, InFlightRequest>();
  const answers = createAnswerMemory();
  const processLeased = async (delivery: ClaimedDelivery) => {
    const request = { host: delivery.destinationHost, startedAtMs: now() };
    inFlight.set(delivery.id, request);
    try {
      await processUnderLease(deps, delivery);
    } finally {
      inFlight.delete(delivery.id);
      answers.noteEnded(request, now());
    }
  };
  let holding: boolean | null = null;
  const rateLimits = memoRateLimits();
  return {
    name: 'deliveries',
    concurrency: () => laneConcurrency(deps.settings().maxConcurrency, inFlight.values(), now()),
    claim: async (limit) => {
      const s = deps.settings();
      const hold = s.destinationPauseAfterFailures > 0;
      // Holding switched off (or off from the start): end the holds left from before, once.
      if (!hold && holding !== false) await releaseAllHeldDestinations(deps.db);
      holding = hold;
      return claimDueDeliveries(deps.db, deps.workerId, limit, {
        leaseSeconds: s.leaseSeconds,
        perHostConcurrency: s.perHostConcurrency,
        holdDestinations: hold,
        rateLimits: rateLimits(s),
        fairness: {
          lanes: s.maxConcurrency,
          inFlight: [...inFlight.values()],
          nowMs: now(),
          answering: answers.answering(now()),
        },
      });
    },
    process: processLeased,
  };
}
