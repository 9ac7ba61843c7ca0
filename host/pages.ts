/**
 * The host's own browser pages: home (`/`), the settings menu (`/settings`), which lists the
 * settings entry of every installed module as its manifest describes it, and one record's page
 * (`/records/:module/:id`) — the page Hookflow's failure mails link a record's owner to
 * (HostContext.recordUrl), since the admin pages would answer them 403.
 *
 * The home page also holds the user's own preferences form (`POST /profile`): the language and
 * time zone of Hookflow's failure mails, checked like `PATCH /api/me` (preferences.ts); an empty
 * field clears it, a bad value re-shows the form with a 422 naming the field.
 *
 * Record page rule (the same as the JSON API's ownership rule): logged-in users only; admins see
 * any record, everyone else only records they own — someone else's record is a 403 page.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import Handlebars from 'handlebars';
import { isHookflowError, type CrmRecord, type FieldErrors, type HostUser, type ModuleInfo } from 'hookflow';
import { parseUserPreferences } from './preferences.js';
import type { UserService } from './users.js';
import { smallPage, type AuthMiddleware } from './session.js';
import type { RecordService } from './records.js';
import { viewsDirectory, type Renderer } from './render.js';

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
  users: UserService;
  /** Form parsing and the CSRF check (AuthRouter.checkForm). */
  checkForm: RequestHandler[];
}

interface HomeForm {
  prefs: { locale: unknown; timeZone: unknown };
  errors?: FieldErrors;
}

async function showHome(opts: PagesOptions, req: Request, res: Response, form?: HomeForm, status = 200) {
  const modules = await opts.records.listModules();
  const counts = await Promise.all(modules.map(async (m) => (await opts.records.list(m.name, { limit: 1 })).total));
  // The session's user carries no preferences: read them (the form shows what is stored).
  const user = (await opts.users.get((res.locals.user as HostUser).id)) ?? (res.locals.user as HostUser);
  opts.render(
    res,
    'home',
    {
      title: 'Home',
      csrfToken: opts.csrfToken(req, res),
      modules: modules.map((m, i) => ({ name: m.name, label: m.label, count: counts[i] })),
      prefs: form?.prefs ?? { locale: user.locale ?? '', timeZone: user.timeZone ?? '' },
      errors: form?.errors ?? {},
    },
    status,
  );
}

// An empty field clears the preference.
const formValue = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);

function saveProfile(opts: PagesOptions): RequestHandler {
  return async (req, res) => {
    const user = res.locals.user as HostUser;
    const prefs = { locale: req.body?.locale, timeZone: req.body?.timeZone };
    try {
      const parsed = parseUserPreferences({ locale: formValue(prefs.locale), timeZone: formValue(prefs.timeZone) });
      await opts.users.setPreferences(user.id, parsed);
    } catch (err) {
      if (!isHookflowError(err) || err.code !== 'validation_failed') throw err;
      return showHome(opts, req, res, { prefs, errors: err.fields }, 422);
    }
    res.redirect(303, '/');
  };
}

/** The record page's URL (what the host's `recordUrl` answers); null for a module `isKnown` denies. */
export function recordPageUrl(
  baseUrl: string,
  module: string,
  recordId: number,
  isKnown: (module: string) => boolean,
): string | null {
  if (!isKnown(module) || !Number.isSafeInteger(recordId) || recordId <= 0) return null;
  return `${baseUrl.replace(/\/+$/, '')}/records/${encodeURIComponent(module)}/${recordId}`;
}

// Host pages' security headers, as host/render.ts sets them (no scripts at all). The record page
// renders itself because the shared Renderer only knows its fixed list of views.
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

type RecordPageRenderer = (res: Response, data: Record<string, unknown>) => void;

/** record.hbs inside layout.hbs, every value escaped (only the layout's `{{{body}}}` is raw: our own view). */
function createRecordPageRenderer(dir: string = viewsDirectory): RecordPageRenderer {
  const hbs = Handlebars.create();
  const compile = (name: string) =>
    hbs.compile(fs.readFileSync(path.join(dir, `${name}.hbs`), 'utf8'), { strict: false });
  const layout = compile('layout');
  const view = compile('record');
  return (res, data) => {
    const locals = { user: res.locals.user, ...data };
    res
      .status(200)
      .set(PAGE_HEADERS)
      .type('html')
      .send(layout({ ...locals, body: view(locals) }));
  };
}

function display(value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The view of one record: its module's fields in order, with their labels. */
function recordView(module: ModuleInfo, record: CrmRecord, user: HostUser) {
  const name = ['title', 'name', 'subject', 'company', 'lastname']
    .map((k) => record.fields[k])
    .find((v) => typeof v === 'string' && v.trim() !== '') as string | undefined;
  return {
    title: `${module.label} #${record.id}${name ? ` · ${name.trim().slice(0, 120)}` : ''}`,
    module: { name: module.name, label: module.label },
    record: { id: record.id, createdAt: record.createdAt, updatedAt: record.updatedAt },
    owner: record.ownerUserId === user.id ? 'you' : `user #${record.ownerUserId}`,
    fields: module.fields.map((f) => ({ name: f.name, label: f.label, value: display(record.fields[f.name]) })),
  };
}

function refusePage(res: Response, status: 403 | 404, title: string, message: string): void {
  res
    .status(status)
    .set(PAGE_HEADERS)
    .type('html')
    .send(smallPage(title, message, { href: '/', label: 'Back to the CRM' }));
}

function recordPage(opts: PagesOptions, renderRecord: RecordPageRenderer): express.RequestHandler {
  return async (req, res) => {
    const module = await opts.records.findModule(String(req.params.module));
    const id = /^[1-9]\d{0,15}$/.test(String(req.params.id)) ? Number(req.params.id) : NaN;
    const record = module && Number.isSafeInteger(id) ? await opts.records.get(module.name, id) : null;
    if (!module || !record) return refusePage(res, 404, 'Not found', 'There is no such record.');
    const user = res.locals.user as HostUser;
    // The ownership rule: admins any record, everyone else their own.
    if (!user.isAdmin && record.ownerUserId !== user.id)
      return refusePage(res, 403, 'Not allowed', 'This record belongs to another user.');
    renderRecord(res, { ...recordView(module, record, user), csrfToken: opts.csrfToken(req, res) });
  };
}

export function createPagesRouter(opts: PagesOptions): Router {
  const router = express.Router();
  const renderRecord = createRecordPageRenderer();

  router.get('/', opts.auth.requireUser, (req, res) => showHome(opts, req, res));
  router.post('/profile', opts.auth.requireUser, ...opts.checkForm, saveProfile(opts));

  router.get('/settings', opts.auth.requireAdmin, (req, res) => {
    opts.render(res, 'settings', {
      title: 'Settings',
      csrfToken: opts.csrfToken(req, res),
      entries: opts.settingsEntries,
    });
  });

  router.get('/records/:module/:id', opts.auth.requireUser, recordPage(opts, renderRecord));

  return router;
}
