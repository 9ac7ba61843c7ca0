/**
 * The secret key check (`hookflow_key_check`, owner of its SQL). `install()` calls
 * `assertSecretKey` after migrating: the first start records the key's check value; a later start
 * with a different key is refused with one line — before a run or a delivery fails on a secret it
 * cannot open. A database from before the check proves the key by opening one sealed secret.
 * `rotateSecretKey` re-seals every secret under a new key in one transaction.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { HookflowError } from './errors.js';
import type { SecretBox } from './secrets.js';

const TABLE = 'hookflow_key_check';

/** What re-sealing needs from the owner of the sealed secrets (the workflow store). */
export interface SealedSecrets {
  anySealedSecrets(): Promise<string | null>;
  resealSecrets(trx: Knex.Transaction, from: SecretBox, to: SecretBox): Promise<number>;
}

export const KEY_MISMATCH =
  "Hookflow: the secret key (install option secretKey; HOOKFLOW_SECRET_KEY for the hookflow command) is not the key this database's secrets were sealed with; start with the right key, or change it with hookflow rotate-key";

function same(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function opens(box: SecretBox, sealed: string): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

/** Refuses a key that differs from the recorded one (or cannot open a stored secret); records it on first use. */
export async function assertSecretKey(db: Knex, box: SecretBox, secrets: SealedSecrets, now: number): Promise<void> {
  const row = await db(TABLE).where({ id: 1 }).first();
  if (row) {
    if (!same(String(row.check_value), box.checkValue())) throw new HookflowError('bad_request', KEY_MISMATCH);
    return;
  }
  const sample = await secrets.anySealedSecrets();
  if (sample !== null && !opens(box, sample)) throw new HookflowError('bad_request', KEY_MISMATCH);
  await db(TABLE).insert({ id: 1, check_value: box.checkValue(), created_at: now }).onConflict('id').ignore();
}

/**
 * Re-seals every secret from `from` to `to` and records `to` as the key; all or nothing.
 * Every process must be stopped first and started again with the new key.
 */
export async function rotateSecretKey(
  db: Knex,
  from: SecretBox,
  to: SecretBox,
  secrets: SealedSecrets,
  now: number,
): Promise<number> {
  await assertSecretKey(db, from, secrets, now);
  return db.transaction(async (trx) => {
    const count = await secrets.resealSecrets(trx, from, to);
    await trx(TABLE).where({ id: 1 }).update({ check_value: to.checkValue(), rotated_at: now });
    return count;
  });
}
