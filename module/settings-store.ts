/**
 * Effective settings: defaults ← install overrides ← what admins saved (`hookflow_settings`).
 * Read synchronously from a cache; `reload()` refreshes it (workers call it periodically so a
 * change saved in another process reaches them).
 */
import type { Knex } from 'knex';
import { HookflowError } from './errors.js';
import { validationError } from './validation-messages.js';
import { HookflowSettings, HookflowSettingsPatch, resolveSettings } from './config.js';

export type SettingsStore = Awaited<ReturnType<typeof createSettingsStore>>;

async function readStored(db: Knex): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const row of await db('hookflow_settings').select('key', 'value')) {
    try {
      out[row.key] = JSON.parse(row.value);
    } catch {
      /* a corrupt row falls back to the default */
    }
  }
  return out;
}

export async function createSettingsStore(deps: { db: Knex; overrides: Record<string, unknown>; now(): number }) {
  const known = new Set(Object.keys(HookflowSettings.shape));
  let stored = await readStored(deps.db);
  let current = resolveSettings(deps.overrides, filterKnown(stored));

  function filterKnown(values: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(values).filter(([k]) => known.has(k)));
  }

  return {
    get(): HookflowSettings {
      return current;
    },
    /** Only what admins saved (the settings form shows defaults for the rest). */
    stored(): Record<string, unknown> {
      return { ...stored };
    },
    async reload(): Promise<HookflowSettings> {
      stored = await readStored(deps.db);
      try {
        current = resolveSettings(deps.overrides, filterKnown(stored));
      } catch {
        // Keep the last good settings rather than stopping a running worker.
      }
      return current;
    },
    /** Validates and saves a partial change; 422 naming each bad setting. */
    async save(patch: unknown): Promise<HookflowSettings> {
      const parsed = HookflowSettingsPatch.strict().safeParse(patch);
      if (!parsed.success) throw validationError(parsed.error, 'Invalid settings');
      // zod 4 fills defaults inside .partial(): keep only the keys the caller gave, or one
      // saved switch would store every default over the install-time overrides.
      const given = new Set(Object.keys(patch as object));
      const data = Object.fromEntries(Object.entries(parsed.data).filter(([k]) => given.has(k)));
      const next = { ...stored, ...data };
      try {
        resolveSettings(deps.overrides, filterKnown(next));
      } catch (err) {
        throw new HookflowError('validation_failed', (err as Error).message);
      }
      const now = deps.now();
      await deps.db.transaction(async (trx) => {
        for (const [key, value] of Object.entries(data)) {
          await trx('hookflow_settings')
            .insert({ key, value: JSON.stringify(value), updated_at: now })
            .onConflict('key')
            .merge();
        }
      });
      return this.reload();
    },
  };
}
