/**
 * Editing and deleting an admin-defined module from the settings pages (admins only, CSRF like
 * the other forms): `/settings/modules/:name` shows its definition in the same form as "New
 * module" (fields one per line), and a delete button. The rules are the API's (module-admin.ts,
 * custom-module-changes.ts): the name and a field's type never change; a field taken out of the
 * list is removed only when "remove the fields I took out" is ticked (its values are erased); a
 * module with records is deleted only when "also delete its records" is ticked. A refused change
 * is shown again with each problem in plain words (422, or 409 for a delete).
 */
import express, { type Request, type Response, type Router } from 'express';
import { isHookflowError, type HookflowError, type HostUser, type ModuleField, type ModuleInfo } from 'hookflow';
import { deleteModule, updateModule } from './module-admin.js';
import { findFixedModule } from './modules.js';
import {
  definitionOfForm,
  describeAliases,
  problemLines,
  readForm,
  type ModuleForm,
  type ModulePagesOptions,
} from './module-pages.js';

/** A field as one line of the form: `name | label | type | options or referenced module`. */
function lineOfField(f: ModuleField): string {
  const extra =
    f.type === 'picklist' ? (f.options ?? []).join(', ') : f.type === 'reference' ? (f.references ?? '') : '';
  return [f.name, f.label, f.type, ...(extra ? [extra] : [])].join(' | ');
}

function formOfModule(m: ModuleInfo): ModuleForm {
  const aliases = m.aliases ?? {};
  return {
    name: m.name,
    label: m.label,
    fields: m.fields.map(lineOfField).join('\n'),
    bitrix24: aliases.bitrix24 ?? '',
    bitrix24EntityTypeId: aliases.bitrix24EntityTypeId === undefined ? '' : String(aliases.bitrix24EntityTypeId),
    event: aliases.event ?? '',
  };
}

/** The form as a PATCH body: the whole definition; blank aliases clear them; removals only when ticked. */
function patchOfForm(current: ModuleInfo, form: ModuleForm, confirmRemove: boolean): Record<string, unknown> {
  const { label, fields, aliases } = definitionOfForm({ ...form, name: current.name });
  const names = new Set((fields as Array<{ name: unknown }>).map((f) => f.name));
  const removeFields = confirmRemove ? current.fields.filter((f) => !names.has(f.name)).map((f) => f.name) : [];
  return { label, fields, aliases: aliases ?? {}, ...(removeFields.length > 0 ? { removeFields } : {}) };
}

const isRefusal = (err: unknown): err is HookflowError =>
  isHookflowError(err) && (err.code === 'validation_failed' || err.code === 'conflict');

export function createModuleEditRouter(opts: ModulePagesOptions): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '100kb' });
  const guard = [opts.auth.requireAdmin];

  /** The custom module the URL names; fixed or unknown ones have no edit page (404). */
  async function customModule(req: Request, res: Response): Promise<ModuleInfo | null> {
    const name = String(req.params.name);
    const module = findFixedModule(name) ? undefined : await opts.records.findModule(name);
    if (module) return module;
    opts.render(
      res,
      'message',
      {
        title: 'Not found',
        heading: 'No such module',
        message: `${name} is not an admin-defined module; the CRM's built-in modules cannot be edited.`,
        link: { href: '/settings/modules', label: 'Back to modules' },
      },
      404,
    );
    return null;
  }

  async function show(req: Request, res: Response, module: ModuleInfo, data: Record<string, unknown>, status = 200) {
    const { total } = await opts.records.list(module.name, { limit: 1 });
    opts.render(
      res,
      'module-edit',
      {
        title: `Edit ${module.label}`,
        csrfToken: opts.csrfToken(req, res),
        module: {
          name: module.name,
          label: module.label,
          aliases: describeAliases(module.aliases as Record<string, unknown>),
        },
        records: total,
        values: formOfModule(module),
        ...data,
      },
      status,
    );
  }

  router.get('/settings/modules/:name', ...guard, async (req, res) => {
    const module = await customModule(req, res);
    if (module) await show(req, res, module, {});
  });

  router.post('/settings/modules/:name', ...guard, form, opts.csrfProtection, async (req, res) => {
    const module = await customModule(req, res);
    if (!module) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = readForm(body);
    try {
      await updateModule(opts.records, module.name, patchOfForm(module, values, body.confirmRemove === '1'));
      res.redirect(303, `/settings/modules?changed=${encodeURIComponent(module.name)}`);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      const problems = problemLines(err.fields ?? { module: err.message });
      await show(req, res, module, { values: { ...values, name: module.name }, problems }, err.status);
    }
  });

  router.post('/settings/modules/:name/delete', ...guard, form, opts.csrfProtection, async (req, res) => {
    const module = await customModule(req, res);
    if (!module) return;
    const user = res.locals.user as HostUser;
    const force = (req.body as Record<string, unknown> | undefined)?.force === '1';
    try {
      await deleteModule(opts.records, module.name, { force, caller: { id: Number(user.id), isAdmin: true } });
      res.redirect(303, `/settings/modules?deleted=${encodeURIComponent(module.name)}`);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      // The API's words name force=1; the page names its checkbox instead.
      const left = err.fields?.records;
      const problem = left
        ? `${module.name} still has ${left.replace(/ left$/, '')}; tick "Also delete its records" to delete them too.`
        : err.message;
      await show(req, res, module, { deleteProblem: problem }, err.status);
    }
  });

  return router;
}
