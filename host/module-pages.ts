/**
 * The host's settings page for modules (`/settings/modules`, admins only): every module the CRM
 * has, and a form that defines a custom one — the same definition `POST /api/modules` takes, with
 * the fields written one per line:
 *
 *   name | label | type | options (picklist: comma-separated) or the referenced module (reference)
 *
 * A refused definition is shown again with each problem under the form (422), its field keys
 * (`fields.2.name`) read as line numbers.
 */
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { isHookflowError, type FieldErrors } from 'hookflow';
import type { RecordService } from './records.js';
import type { Renderer } from './render.js';
import type { AuthMiddleware } from './session.js';
import { findFixedModule } from './modules.js';
import { createModuleEditRouter } from './module-edit-pages.js';

export interface ModulePagesOptions {
  auth: AuthMiddleware;
  records: RecordService;
  render: Renderer;
  csrfToken(req: Request, res: Response): string;
  csrfProtection: RequestHandler;
}

/** What the form posts (all strings; blank ones are left out of the definition). */
export interface ModuleForm {
  name: string;
  label: string;
  fields: string;
  bitrix24: string;
  bitrix24EntityTypeId: string;
  event: string;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function readForm(body: Record<string, unknown>): ModuleForm {
  return {
    name: text(body.name).trim(),
    label: text(body.label).trim(),
    fields: text(body.fields),
    bitrix24: text(body.bitrix24).trim(),
    bitrix24EntityTypeId: text(body.bitrix24EntityTypeId).trim(),
    event: text(body.event).trim(),
  };
}

/** `title | Title | text` → a field; the fourth part is the options or the referenced module. */
function fieldOfLine(line: string): Record<string, unknown> {
  const [name = '', label = '', type = '', extra = ''] = line.split('|').map((p) => p.trim());
  const field: Record<string, unknown> = { name, label: label || name, type: type || 'text' };
  if (type === 'picklist')
    field.options = extra
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '');
  if (type === 'reference') field.references = extra;
  return field;
}

/** The form as the definition ModuleInput checks. */
export function definitionOfForm(form: ModuleForm): Record<string, unknown> {
  const lines = form.fields.split(/\r?\n/).filter((l) => l.trim() !== '');
  const aliases: Record<string, unknown> = {};
  if (form.bitrix24) aliases.bitrix24 = form.bitrix24;
  if (form.bitrix24EntityTypeId)
    aliases.bitrix24EntityTypeId = /^\d{1,10}$/.test(form.bitrix24EntityTypeId)
      ? Number(form.bitrix24EntityTypeId)
      : form.bitrix24EntityTypeId;
  if (form.event) aliases.event = form.event;
  return {
    name: form.name,
    label: form.label || form.name,
    fields: lines.map(fieldOfLine),
    ...(Object.keys(aliases).length > 0 ? { aliases } : {}),
  };
}

/** `fields.2.name` → `Fields, line 3 (name)`; other keys as they are. */
export function problemLines(errors: FieldErrors): string[] {
  return Object.entries(errors).map(([key, message]) => {
    const m = /^fields\.(\d+)(?:\.(\w+))?$/.exec(key);
    const where = m ? `Fields, line ${Number(m[1]) + 1}${m[2] ? ` (${m[2]})` : ''}` : key;
    return `${where}: ${message}`;
  });
}

export function describeAliases(aliases: Record<string, unknown> | undefined): string {
  return Object.entries(aliases ?? {})
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}

export function createModulePagesRouter(opts: ModulePagesOptions): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '100kb' });

  async function show(req: Request, res: Response, data: Record<string, unknown> = {}, status = 200) {
    const modules = await opts.records.listModules();
    opts.render(
      res,
      'modules',
      {
        title: 'Modules',
        csrfToken: opts.csrfToken(req, res),
        created: typeof req.query.created === 'string' ? req.query.created : null,
        changed: typeof req.query.changed === 'string' ? req.query.changed : null,
        deleted: typeof req.query.deleted === 'string' ? req.query.deleted : null,
        modules: modules.map((m) => ({
          name: m.name,
          editable: !findFixedModule(m.name),
          label: m.label,
          fields: m.fields.map((f) => `${f.name} (${f.type}${f.references ? ` → ${f.references}` : ''})`).join(', '),
          aliases: describeAliases(m.aliases as Record<string, unknown> | undefined),
        })),
        ...data,
      },
      status,
    );
  }

  router.get('/settings/modules', opts.auth.requireAdmin, (req, res) => show(req, res));

  router.post('/settings/modules', opts.auth.requireAdmin, form, opts.csrfProtection, async (req, res) => {
    const values = readForm((req.body ?? {}) as Record<string, unknown>);
    try {
      const created = await opts.records.createModule(definitionOfForm(values));
      res.redirect(303, `/settings/modules?created=${encodeURIComponent(created.name)}`);
    } catch (err) {
      if (!isHookflowError(err) || err.code !== 'validation_failed') throw err;
      await show(req, res, { values, problems: problemLines(err.fields ?? {}) }, 422);
    }
  });

  router.use(createModuleEditRouter(opts));
  router.use(expiredForm(opts.render));
  return router;
}

/** A stale form (bad CSRF token) gets the same friendly 403 page as the login form's. */
function expiredForm(render: Renderer): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if ((err as { code?: string }).code !== 'EBADCSRFTOKEN') return next(err);
    render(
      res,
      'message',
      {
        title: 'Form expired',
        heading: 'This form has expired',
        message: 'Reload the modules page and try again.',
        link: { href: '/settings/modules', label: 'Back to modules' },
      },
      403,
    );
  };
}
