/**
 * The capture-mode column of `hookflow_http_permissions` (`capture_until`), split from
 * permissions.ts along its seam: switching capture mode on and off, and the conditional update
 * that lets exactly one request end it (capture-mode.ts uses both). Every change commits with a
 * new configuration version, so the permission caches of other processes notice it.
 */
import type { Knex } from 'knex';
import { bumpConfigVersion } from '../storage/config-version.js';
import type { PermissionStoreDeps } from './permissions.js';

export function createCaptureSwitch(deps: PermissionStoreDeps) {
  const { db } = deps;
  return {
    /** Capture mode on until `until` (epoch ms), or off (null); a configuration change. */
    async setCaptureUntil(id: number, until: number | null): Promise<void> {
      await db.transaction(async (trx) => {
        await trx('hookflow_http_permissions').where({ id }).update({ capture_until: until });
        await bumpConfigVersion(trx, deps.now());
      });
      deps.changed?.();
    },
    /**
     * Ends capture mode when it is still open at `now` and runs `record` in the same transaction:
     * a conditional update, so of concurrent requests exactly one wins (true); the others run.
     */
    async claimCapture(id: number, now: number, record: (trx: Knex.Transaction) => Promise<void>): Promise<boolean> {
      const won = await db.transaction(async (trx) => {
        const n = await trx('hookflow_http_permissions')
          .where({ id })
          .andWhere('capture_until', '>', now)
          .update({ capture_until: null });
        if (n === 0) return false;
        await record(trx);
        await bumpConfigVersion(trx, deps.now());
        return true;
      });
      if (won) deps.changed?.();
      return won;
    },
  };
}
