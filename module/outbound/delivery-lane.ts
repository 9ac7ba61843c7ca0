/** The worker lane that sends due deliveries (claimed from the delivery queue under a lease). */
import type { Knex } from 'knex';
import type { HookflowSettings } from '../config.js';
import type { WorkerLane } from '../worker.js';
import { claimDueDeliveries, type ClaimedDelivery } from './queue/claim.js';

export interface DeliveryLaneDeps {
  db: Knex;
  processor: { process(delivery: ClaimedDelivery, workerId: string): Promise<void> };
  settings(): HookflowSettings;
  workerId: string;
}

export function createDeliveryLane(deps: DeliveryLaneDeps): WorkerLane<ClaimedDelivery> {
  return {
    name: 'deliveries',
    concurrency: () => deps.settings().maxConcurrency,
    claim: (limit) => {
      const s = deps.settings();
      return claimDueDeliveries(deps.db, deps.workerId, limit, { leaseSeconds: s.leaseSeconds, perHostConcurrency: s.perHostConcurrency, holdDestinations: s.destinationPauseAfterFailures > 0 });
    },
    process: (delivery) => deps.processor.process(delivery, deps.workerId),
  };
}
