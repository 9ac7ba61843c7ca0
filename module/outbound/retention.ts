// PLACEHOLDER owned by the outbound helper; replaced this session.
import type { Knex } from 'knex';
import type { HostLogger } from '../host.js';
import type { HookflowSettings } from '../config.js';
import type { PeriodicChore } from '../worker.js';

export function createRetentionChore(_deps: { db: Knex; settings(): HookflowSettings; logger: HostLogger }): PeriodicChore {
  return { name: 'retention', everyMs: 3_600_000, run: async () => {} };
}
