/**
 * The host's own browser pages: home (`/`) and the settings menu (`/settings`), which lists
 * the settings entry of every installed module as its manifest describes it.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { AuthMiddleware } from './session.js';
import type { RecordService } from './records.js';
import type { Renderer } from './render.js';

/** One line of the settings menu, straight from a module manifest's `settings`. */
export interface SettingsEntry {
  label: string;
  description?: string;
  url: string;
}

export interface PagesOptions {
  auth: AuthMiddleware;
  records: RecordService;
  render: Renderer;
  settingsEntries: SettingsEntry[];
  csrfToken(req: Request, res: Response): string;
}

export function createPagesRouter(opts: PagesOptions): Router {
  const router = express.Router();

  router.get('/', opts.auth.requireUser, async (req, res) => {
    const modules = await opts.records.listModules();
    const counts = await Promise.all(modules.map(async (m) => (await opts.records.list(m.name, { limit: 1 })).total));
    opts.render(res, 'home', {
      title: 'Home',
      csrfToken: opts.csrfToken(req, res),
      modules: modules.map((m, i) => ({ name: m.name, label: m.label, count: counts[i] })),
    });
  });

  router.get('/settings', opts.auth.requireAdmin, (req, res) => {
    opts.render(res, 'settings', { title: 'Settings', csrfToken: opts.csrfToken(req, res), entries: opts.settingsEntries });
  });

  return router;
}
