/**
 * Renders the admin pages from views/admin (layout, partials, pages) and each task type's form
 * view (its folder's form.hbs) with a private Handlebars instance. Only our own view files are
 * ever compiled, once at start-up; every admin-written value reaches the page through `{{ }}`
 * (escaped). The few helpers that return markup build it from escaped values only.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import Handlebars from 'handlebars';
import { viewsDirectory } from '../../package-files.js';
import { formatDuration, formatTime } from './view-models.js';

/** views/admin at the package root. */
export const adminViewsDir = path.join(viewsDirectory, 'admin');

/**
 * Page security headers: scripts and styles only from our own asset route (no inline code, no
 * CDN), forms only to ourselves, never framed.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Fixed messages shown after a redirect (`?notice=<key>`); the query never carries text. */
export const NOTICES: Record<string, string> = {
  enabled: 'Hookflow is switched on.',
  disabled:
    'Hookflow is switched off. Record events are ignored and the short URL answers 503 until you switch it on again.',
  created: 'Workflow created. Add its tasks below.',
  'created-draft': 'Saved as draft — activate to run. Add its tasks below.',
  saved: 'Saved.',
  'saved-draft': 'Saved as draft — activate to run.',
  deleted: 'Deleted.',
  'task-saved': 'Task saved.',
  'task-removed': 'Task removed.',
  'task-moved': 'Task order changed.',
  activated: 'Workflow activated: it runs from now on.',
  deactivated: 'Workflow deactivated.',
  resent: 'Queued again: the receiver gets the same message (same webhook-id) with a fresh signature.',
  'bulk-resent': 'Failed deliveries were queued again as the same messages.',
  'bulk-resent-skipped':
    'Failed deliveries were queued again as the same messages. Some were left alone: their resend is on its way or was delivered.',
  'bulk-none': 'Nothing was queued: no failed delivery matched, or their resends are on their way or were delivered.',
  rerun: 'Run started again.',
  'webhook-enabled': 'Webhook re-enabled. New events are sent again.',
  'webhook-enabled-released': 'Webhook re-enabled. Its held deliveries are being sent, oldest first.',
  'destination-probing':
    'Trying the destination now with its oldest delivery. If it gets through, the rest follow, oldest first.',
  'held-discarded': 'Held deliveries discarded. The webhook stays disabled until you re-enable it.',
  'settings-saved': 'Settings saved.',
  'settings-unchanged': 'Nothing changed.',
  'capture-started': 'Capturing: the next request from an allowed caller is recorded and answered 202 without running.',
  'capture-stopped': 'Capture stopped.',
  'capture-required': 'The captured fields are now required $env fields of the workflow.',
  'capture-mapped': 'Captured fields were mapped to the record fields of the same name in the "Create record" tasks.',
  'backfill-started': 'Started: runs are queued for the matching records at the backfill rate. Progress shows below.',
  'backfill-paused': 'Paused: no more runs are queued until you resume. Runs already queued still run.',
  'backfill-resumed': 'Resumed: it goes on where it stopped.',
  'backfill-cancelled': 'Cancelled: no more runs are queued; queued runs that had not started were skipped.',
  'capture-mapped-none': 'Nothing to map: no captured field is named like an unmapped field of a "Create record" task.',
};

export type Section = 'overview' | 'workflows' | 'deliveries' | 'runs' | 'permissions' | 'settings';

export type PageRenderer = (
  req: Request,
  res: Response,
  view: string,
  data: Record<string, unknown> & { title: string; section?: Section },
  status?: number,
) => void;

function registerHelpers(hb: typeof Handlebars): void {
  const e = hb.escapeExpression;
  hb.registerHelper('eq', (a: unknown, b: unknown) => String(a) === String(b));
  hb.registerHelper('not', (a: unknown) => !a);
  hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper('sel', (a: unknown, b: unknown) => (String(a) === String(b) ? 'selected' : ''));
  hb.registerHelper('chk', (a: unknown) => (a ? 'checked' : ''));
  hb.registerHelper('inc', (n: unknown) => Number(n) + 1);
  hb.registerHelper('json', (v: unknown) => (v === undefined ? '' : JSON.stringify(v, null, 2)));
  hb.registerHelper('duration', (ms: unknown) => formatDuration(ms));
  hb.registerHelper('time', (ms: unknown) => {
    const text = formatTime(ms);
    if (!text) return '';
    return new hb.SafeString(`<time datetime="${e(new Date(Number(ms)).toISOString())}">${e(text)}</time>`);
  });
  hb.registerHelper('concat', (...args: unknown[]) =>
    args
      .slice(0, -1)
      .map((a) => (a == null ? '' : String(a)))
      .join(''),
  );
  hb.registerHelper(
    'plural',
    (n: unknown, one: string, many: string) => `${Number(n)} ${Number(n) === 1 ? one : many}`,
  );
}

function readDir(dir: string): Array<[string, string]> {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.hbs'))
    .map((f) => [f.slice(0, -4), fs.readFileSync(path.join(dir, f), 'utf8')]);
}

/** What the renderer needs of a task type: its id and the path of its form view. */
export interface TaskFormView {
  id: string;
  formView: string;
}

export interface RendererOptions {
  /** Default `adminViewsDir`. */
  dir?: string;
  /**
   * The task types (the registry): each one's form view becomes partial `task-<id>`, which
   * task-edit.hbs includes by name. Read here, at start-up, like every other view.
   */
  taskTypes: ReadonlyMap<string, TaskFormView>;
  /** CSRF token for the forms of a response. */
  csrfToken(req: Request, res: Response): string;
}

export function createPageRenderer(opts: RendererOptions): PageRenderer {
  const dir = opts.dir ?? adminViewsDir;
  const hb = Handlebars.create();
  registerHelpers(hb);
  for (const [name, source] of readDir(path.join(dir, 'partials'))) hb.registerPartial(name, source);
  for (const t of opts.taskTypes.values()) hb.registerPartial(`task-${t.id}`, fs.readFileSync(t.formView, 'utf8'));
  const pages = new Map(readDir(path.join(dir, 'pages')).map(([name, source]) => [name, hb.compile(source)]));
  const layout = hb.compile(fs.readFileSync(path.join(dir, 'layout.hbs'), 'utf8'));

  return (req, res, view, data, status = 200) => {
    const page = pages.get(view);
    if (!page) throw new Error(`no admin view ${view}`);
    const noticeKey = typeof req.query.notice === 'string' ? req.query.notice : '';
    const locals = {
      base: res.locals.hfBase ?? req.baseUrl,
      user: res.locals.user ?? null,
      csrf: opts.csrfToken(req, res),
      notice: Object.hasOwn(NOTICES, noticeKey) ? NOTICES[noticeKey] : null,
      nav: { [data.section ?? 'none']: true },
      ...data,
    };
    const body = page(locals);
    res
      .status(status)
      .set(PAGE_HEADERS)
      .type('html')
      .send(layout({ ...locals, body }));
  };
}
