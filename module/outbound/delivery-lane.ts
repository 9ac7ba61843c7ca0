/** The worker lane that sends due deliveries (claimed from the delivery queue under a lease). */
import type { Knex } from 'knex';
import type { HookflowSettings } from '../config.js';
import type { WorkerLane } from '../worker.js';
import { claimDueDeliveries, type ClaimedDelivery } from './queue/claim.js';
import { releaseAllHeldDestinations } from './queue/destinations.js';

export interface DeliveryLaneDeps {
  db: Knex;
  processor: { process(delivery: ClaimedDelivery, workerId: string): Promise<void> };
  settings(): HookflowSettings;
  workerId: string;
}

export function createDeliveryLane(deps: DeliveryLaneDeps): WorkerLane<ClaimedDelivery> {
  let holding: boolean | null = null;
  return {
    name: 'deliveries',
    concurrency: () => deps.settings().maxConcurrency,
    claim: async (limit) => {
      const s = deps.settings();
      const hold = s.destinationPauseAfterFailures > 0;
      // Holding switched off (or off from the start): end the holds left from before, once.
      if (!hold && holding !== false) await releaseAllHeldDestinations(deps.db);
      holding = hold;
      return claimDueDeliveries(deps.db, deps.workerId, limit, { leaseSeconds: s.leaseSeconds, perHostConcurrency: s.perHostConcurrency, holdDestinations: hold });
    },
    process: (delivery) => deps.processor.process(delivery, deps.workerId),
  };
}
