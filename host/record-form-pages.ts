/**
 * The CRM's record forms, for any logged-in user: a new record of a module
 * (`/records/:module/new`) and the edit form of one record (`/records/:module/:id/edit`). They
 * save through the records service exactly like the JSON API (same checks, same ownership rule,
 * the same lifecycle hooks in the save's transaction), so a change made here starts Hookflow's
 * workflows like any other. A refused value is shown again under its field (422).
 *
 * Inputs are named `f_<field>`; an empty input is left out of a new record and clears the field
 * of an existing one. Picklists and yes/no fields are drop-downs; everything else is text (the
 * records service reads numbers, dates and references from their text).
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { isHookflowError, type CrmRecord, type FieldErrors, type HostUser, type ModuleInfo } from 'hookflow';
import type { RecordCaller, RecordService } from './records.js';
import type { Renderer } from './render.js';
import type { AuthMiddleware } from './session.js';

export interface RecordFormOptions {
  auth: AuthMiddleware;
  records: RecordService;
  render: Renderer;
  csrfToken(req: Request, res: Response): string;
  /** Form parsing and the CSRF check (AuthRouter.checkForm). */
  checkForm: RequestHandler[];
}

const callerOf = (res: Response): RecordCaller => {
  const user = res.locals.user as HostUser;
  return { id: Number(user.id), isAdmin: user.isAdmin === true };
};

function shown(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One input per field, with its current value (as text) and its problem, if any. */
function inputsOf(module: ModuleInfo, values: Record<string, unknown>, errors: FieldErrors) {
  return module.fields.map((f) => {
    const value = shown(values[f.name]);
    const choices = f.type === 'picklist' ? (f.options ?? []) : f.type === 'boolean' ? ['true', 'false'] : null;
    return {
      input: `f_${f.name}`,
      label: f.label,
      type: f.type,
      value,
      choices: choices?.map((c) => ({ value: c, selected: c === value })),
      error: errors[f.name],
    };
  });
}

/** The posted inputs as field values: blanks left out (new) or null (edit). */
function valuesOfBody(module: ModuleInfo, body: Record<string, unknown>, blank: null | undefined) {
  const values: Record<string, unknown> = {};
  for (const f of module.fields) {
    const raw = body[`f_${f.name}`];
    if (typeof raw !== 'string') continue;
    if (raw.trim() !== '') values[f.name] = raw;
    else if (blank === null) values[f.name] = null;
  }
  return values;
}

export function createRecordFormRouter(opts: RecordFormOptions): Router {
  const router = express.Router();

  function show(
    req: Request,
    res: Response,
    module: ModuleInfo,
    record: CrmRecord | null,
    form: { values: Record<string, unknown>; errors?: FieldErrors },
    status = 200,
  ) {
    opts.render(
      res,
      'record-form',
      {
        title: record ? `Edit ${module.label} #${record.id}` : `New ${module.label} record`,
        csrfToken: opts.csrfToken(req, res),
        module: { name: module.name, label: module.label },
        record,
        action: record
          ? `/records/${encodeURIComponent(module.name)}/${record.id}`
          : `/records/${encodeURIComponent(module.name)}`,
        inputs: inputsOf(module, form.values, form.errors ?? {}),
        failed: form.errors !== undefined,
      },
      status,
    );
  }

  /** Saves, or re-shows the form with each refused value under its field. */
  async function save(req: Request, res: Response, module: ModuleInfo, record: CrmRecord | null) {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = valuesOfBody(module, body, record ? null : undefined);
    const caller = callerOf(res);
    try {
      const saved = record
        ? await opts.records.update(module.name, record.id, values, { actorUserId: caller.id, caller })
        : await opts.records.create(module.name, values, { actorUserId: caller.id, caller });
      res.redirect(303, `/records/${encodeURIComponent(module.name)}/${saved.id}`);
    } catch (err) {
      if (!isHookflowError(err) || err.code !== 'validation_failed') throw err;
      show(req, res, module, record, { values: { ...record?.fields, ...values }, errors: err.fields ?? {} }, 422);
    }
  }

  /** The module and (for /:id routes) the record the caller may change; otherwise a 404 page. */
  async function target(req: Request, res: Response, withRecord: boolean) {
    const module = await opts.records.findModule(String(req.params.module));
    const id = /^[1-9]\d{0,15}$/.test(String(req.params.id)) ? Number(req.params.id) : NaN;
    const record =
      module && withRecord ? await opts.records.getFor(callerOf(res), module.name, id).catch(() => null) : null;
    if (module && (!withRecord || record)) return { module, record };
    opts.render(
      res,
      'message',
      {
        title: 'Not found',
        heading: 'Not found',
        message: 'There is no such record or module.',
        link: { href: '/', label: 'Back to the CRM' },
      },
      404,
    );
    return null;
  }

  router.get('/records/:module/new', opts.auth.requireUser, async (req, res) => {
    const found = await target(req, res, false);
    if (found) show(req, res, found.module, null, { values: {} });
  });
  router.post('/records/:module', opts.auth.requireUser, ...opts.checkForm, async (req, res) => {
    const found = await target(req, res, false);
    if (found) await save(req, res, found.module, null);
  });
  router.get('/records/:module/:id/edit', opts.auth.requireUser, async (req, res) => {
    const found = await target(req, res, true);
    if (found) show(req, res, found.module, found.record, { values: found.record!.fields });
  });
  router.post('/records/:module/:id', opts.auth.requireUser, ...opts.checkForm, async (req, res) => {
    const found = await target(req, res, true);
    if (found) await save(req, res, found.module, found.record);
  });
  return router;
}
