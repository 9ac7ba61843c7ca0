/**
 * Settings over the management API (mounted under the admin router's `/api`), the same schema,
 * errors and audit line as the settings page:
 *   GET   /settings   { settings: effective values, saved: what admins changed (the rest are defaults
 *                     or install-time overrides) }
 *   PATCH /settings   a partial object of settings; unknown or bad keys → 422 naming each; only the
 *                     keys given are stored. Answers like GET plus `changed`.
 * Workers in other processes pick a change up within the settings-reload interval (5 s).
 */
import express, { type Router } from 'express';
import type { HostLogger } from '../host.js';
import { HookflowError } from '../errors.js';
import type { SettingsStore } from '../settings-store.js';

export function createSettingsApi(deps: { settingsStore: SettingsStore; logger: HostLogger }): Router {
  const api = express.Router();
  const view = () => ({ settings: deps.settingsStore.get(), saved: Object.keys(deps.settingsStore.stored()).sort() });
  api.get('/settings', (_req, res) => {
    res.json(view());
  });
  api.patch('/settings', async (req, res) => {
    const patch: unknown = req.body;
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new HookflowError('validation_failed', 'Send a JSON object of settings, e.g. {"retentionDays": 14}');
    }
    const changed = Object.keys(patch);
    if (changed.length > 0) {
      await deps.settingsStore.save(patch);
      deps.logger.info({ userId: res.locals.user?.id, changed, via: 'api' }, 'hookflow settings changed');
    }
    res.json({ ...view(), changed });
  });
  return api;
}
