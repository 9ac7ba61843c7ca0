/**
 * Renders the host's own pages from host/views/*.hbs inside layout.hbs. Templates are compiled
 * once at start-up with a private Handlebars instance; every value goes through `{{ }}`
 * (escaped) — the only raw output is the layout's `{{{body}}}`, which is our own rendered view.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Response } from 'express';
import Handlebars from 'handlebars';

export const viewsDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'views');

export type ViewName = 'login' | 'home' | 'settings' | 'message' | 'modules' | 'module-edit' | 'record-form';

/**
 * Page security headers. Host pages need no scripts, so none are allowed; inline styles are,
 * because the layout carries its CSS inline. Only set on host pages: Hookflow's admin pages
 * choose their own policy.
 */
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export type Renderer = (res: Response, view: ViewName, data: Record<string, unknown>, status?: number) => void;

export function createRenderer(dir: string = viewsDirectory): Renderer {
  const hbs = Handlebars.create();
  const compile = (name: string) =>
    hbs.compile(fs.readFileSync(path.join(dir, `${name}.hbs`), 'utf8'), { strict: false });
  const layout = compile('layout');
  const views = Object.fromEntries(
    (['login', 'home', 'settings', 'message', 'modules', 'module-edit', 'record-form'] as const).map((v) => [
      v,
      compile(v),
    ]),
  );
  return (res, view, data, status = 200) => {
    const locals = { user: res.locals.user, ...data };
    const body = views[view](locals);
    res
      .status(status)
      .set(PAGE_HEADERS)
      .type('html')
      .send(layout({ ...locals, body }));
  };
}
