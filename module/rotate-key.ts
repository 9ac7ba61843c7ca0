/**
 * `rotateKey(db, { from, to })` — what `hookflow rotate-key` runs: migrates, checks that `from`
 * is this database's key, re-seals every secret under `to` in one transaction and records `to`.
 * Stop every web and worker process first; start them again with the new key (a process still
 * holding the old key cannot open the re-sealed secrets, and a restart with it is refused).
 */
import type { Knex } from 'knex';
import { createSecretBox } from './secrets.js';
import { rotateSecretKey } from './key-check.js';
import { migrateLatest } from './storage/migrate.js';
import { createWorkflowStore } from './workflows/store.js';
import { HookflowError } from './errors.js';

export async function rotateKey(
  db: Knex,
  keys: { from: string; to: string },
  now: () => number = Date.now,
): Promise<{ resealed: number }> {
  const box = (key: string, name: string) => {
    try {
      return createSecretBox(key);
    } catch (err) {
      throw new HookflowError('bad_request', `${name}: ${(err as Error).message}`);
    }
  };
  const from = box(keys.from, 'the current key');
  const to = box(keys.to, 'the new key');
  if (from.checkValue() === to.checkValue()) throw new HookflowError('bad_request', 'the new key is the current key');
  await migrateLatest(db);
  const store = createWorkflowStore({ db, secretBox: from, now });
  return { resealed: await rotateSecretKey(db, from, to, store, now()) };
}
