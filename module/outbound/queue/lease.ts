/**
 * The delivery lease heartbeat's write (on `hookflow_deliveries`): while a delivery's request is
 * in flight its worker extends the lease, only while it still holds it.
 */
import type { Knex } from 'knex';
import { nowMsSql } from '../../storage/engine.js';

/** Extends the lease of a dispatched delivery its claim (`leaseOwner`) holds; false when it was lost. */
export async function renewDeliveryLease(
  db: Knex,
  deliveryId: number,
  leaseOwner: string,
  leaseSeconds: number,
): Promise<boolean> {
  const updated = await db('hookflow_deliveries')
    .where({ id: deliveryId, lease_owner: leaseOwner, status: 'dispatched' })
    .update({ lease_expires_at: db.raw(`${nowMsSql(db)} + ?`, [leaseSeconds * 1000]) });
  return updated === 1;
}
