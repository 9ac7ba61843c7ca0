/**
 * The held-deliveries sweep, a worker chore: held deliveries belong to a disabled webhook, and
 * re-enabling releases them. Two races can leave some behind — a worker that read the webhook as
 * disabled holds its delivery just after an admin's re-enable released the others, or a run
 * writes a held delivery just after it — and a webhook deleted while disabled would keep its held
 * deliveries forever. Each pass releases what an enabled webhook still holds and discards what a
 * deleted one holds (discarded rows are pruned with the rest of the history).
 */
import type { Knex } from 'knex';
import type { HostLogger } from '../host.js';
import type { PeriodicChore } from '../worker.js';
import type { WebhookTargets } from './ports.js';
import { discardHeldDeliveries, releaseHeldDeliveries, tasksWithHeldDeliveries } from './queue/hold.js';

export interface HeldSweepDeps {
  db: Knex;
  targets: WebhookTargets;
  logger: HostLogger;
  /** Default 60000. */
  everyMs?: number;
}

/** One pass; returns what it released and discarded. */
export async function sweepHeldDeliveries(deps: HeldSweepDeps): Promise<{ released: number; discarded: number }> {
  let released = 0;
  let discarded = 0;
  for (const taskId of await tasksWithHeldDeliveries(deps.db)) {
    const target = await deps.targets.load(taskId);
    if (!target) discarded += await discardHeldDeliveries(deps.db, taskId, 'its webhook was deleted while it was held');
    else if (target.disabledAt === null) released += await releaseHeldDeliveries(deps.db, taskId);
  }
  return { released, discarded };
}

export function createHeldSweepChore(deps: HeldSweepDeps): PeriodicChore {
  return {
    name: 'held-sweep',
    everyMs: deps.everyMs ?? 60_000,
    async run() {
      const swept = await sweepHeldDeliveries(deps);
      if (swept.released + swept.discarded > 0)
        deps.logger.info(swept, 'held deliveries of enabled or deleted webhooks swept');
    },
  };
}
