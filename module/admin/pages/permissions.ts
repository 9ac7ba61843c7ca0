/**
 * HTTP handler permissions (default deny): list, the "new permission" form of the seed, a
 * "check an address" box, the recently refused requests, and copy-ready examples. Storage,
 * validation, the address check and the examples are the inbound module's (permissions.ts,
 * examples.ts); this file only renders them.
 */
import type { Request, Response, Router } from 'express';
import { HookflowError, isHookflowError, type FieldErrors } from '../../errors.js';
import { parseId } from '../../http-errors.js';
import { buildExamples } from '../../inbound/examples.js';
import type { Permission, PermissionStore, SavedPermission } from '../../inbound/permissions.js';
import { checkClientAddress } from '../../inbound/address-check.js';
import { shortUrlOf } from '../../inbound/short-url.js';
import { permissionExamples } from '../../inbound/permissions-api.js';
import { createInboundServices } from '../../inbound/router.js';
import type { RefusalLog } from '../../inbound/refusals.js';
import type { PagesContext } from './context.js';
import {
  blankPermissionValues,
  permissionFormView,
  toPermissionInput,
  valuesFromPermission,
  valuesFromPermissionForm,
  type PermissionFormValues,
} from './permission-form.js';
import { paginate, queryString } from './view-models.js';
import { createCaptureSection } from './permission-capture.js';

const REFUSALS_PER_PAGE = 20;

export function registerPermissions(router: Router, ctx: PagesContext): void {
  const { deps, render } = ctx;
  // install() passes the shared services; both are stateless over the database otherwise.
  const fallback = deps.permissions && deps.refusals ? null : createInboundServices({ db: deps.db, host: deps.host });
  const permissions: PermissionStore = deps.permissions ?? fallback!.permissions;
  const refusals: RefusalLog = deps.refusals ?? fallback!.refusals;
  const capture = createCaptureSection(ctx, permissions);
  capture.register(router);
  const shortUrl = () =>
    shortUrlOf(deps.host.baseUrl, deps.manifest.routes.inbound, deps.settingsStore.get().shortUrlPath);

  async function targetsOf() {
    const workflows = await deps.store.list();
    return {
      workflows: workflows.map((w) => ({ id: w.id, title: w.title, module: w.module, trigger: w.trigger })),
      byId: new Map(workflows.map((w) => [w.id, w])),
    };
  }

  function targetLabel(
    p: Pick<Permission, 'workflowId' | 'triggerName'>,
    titles: Map<number, { title: string }>,
  ): string {
    if (p.workflowId != null) return titles.get(p.workflowId)?.title ?? `workflow ${p.workflowId} (deleted)`;
    return `trigger ${p.triggerName}`;
  }

  async function showForm(
    req: Request,
    res: Response,
    p: Permission | null,
    values: PermissionFormValues,
    errors: FieldErrors = {},
    status = 200,
  ) {
    const [{ workflows }, users] = await Promise.all([targetsOf(), deps.host.users.list()]);
    render(
      req,
      res,
      'permission',
      {
        title: p ? p.title : 'New permission',
        section: 'permissions',
        p,
        formError: Object.keys(errors).length > 0,
        form: permissionFormView(values, { workflows, users, isNew: !p, hasToken: p?.hasToken ?? false }, errors),
        examples: p ? await permissionExamples(deps.store, shortUrl(), p) : null,
        capture: p ? await capture.view(p) : null,
        action: p ? `${ctx.base(res)}/permissions/${p.id}` : `${ctx.base(res)}/permissions`,
      },
      status,
    );
  }

  /** After a save: the token once (when one was generated), else back to the permission. */
  function afterSave(req: Request, res: Response, saved: SavedPermission) {
    if (saved.token) {
      const examples = buildExamples({ shortUrl: shortUrl(), permission: saved.permission });
      render(req, res, 'token-once', {
        title: 'Token',
        section: 'permissions',
        p: saved.permission,
        token: saved.token,
        tokenUrl: examples.url.replace('YOUR_TOKEN', encodeURIComponent(saved.token)),
      });
      return;
    }
    res.redirect(303, `${ctx.base(res)}/permissions/${saved.permission.id}?notice=saved`);
  }

  router.get('/permissions', async (req, res) => {
    const page = Math.max(1, Number(req.query.page) || 1);
    const [list, refused, { workflows, byId }] = await Promise.all([
      permissions.list(),
      refusals.list(REFUSALS_PER_PAGE, (page - 1) * REFUSALS_PER_PAGE),
      targetsOf(),
    ]);
    const checkIp = typeof req.query.ip === 'string' ? req.query.ip.trim() : '';
    const checkTarget = typeof req.query.target === 'string' ? req.query.target : '';
    let check: Record<string, unknown> | null = null;
    if (checkIp !== '') {
      const result = checkClientAddress(
        checkIp,
        list,
        (p) =>
          checkTarget === '' ||
          (checkTarget.startsWith('w:')
            ? String(p.workflowId) === checkTarget.slice(2)
            : p.triggerName === checkTarget.slice(2)),
      );
      check = {
        ip: result?.ip ?? checkIp,
        invalid: result === null,
        ...(result ?? {}),
        tokenAlso: result?.allowed && /token/.test(result.reason),
        permissionTitle: result?.permissionId ? list.find((p) => p.id === result.permissionId)?.title : null,
      };
    }
    const triggerNames = [...new Set(list.map((p) => p.triggerName).filter((t): t is string => !!t))];
    render(req, res, 'permissions', {
      title: 'HTTP access',
      section: 'permissions',
      shortUrl: shortUrl(),
      check,
      checkIp,
      permissions: list.map((p) => ({ ...p, target: targetLabel(p, byId), sourceTexts: p.sources.map((s) => s.text) })),
      targets: [
        ...workflows.map((w) => ({
          value: `w:${w.id}`,
          label: `Workflow: ${w.title}`,
          selected: checkTarget === `w:${w.id}`,
        })),
        ...triggerNames.map((t) => ({ value: `t:${t}`, label: `Trigger: ${t}`, selected: checkTarget === `t:${t}` })),
      ],
      refusals: refused.refusals,
      pager: paginate(
        refused.total,
        page,
        REFUSALS_PER_PAGE,
        (n) => `${ctx.base(res)}/permissions${queryString({ page: n > 1 ? n : undefined })}#refused`,
      ),
    });
  });

  router.get('/permissions/new', async (req, res) => {
    await showForm(
      req,
      res,
      null,
      blankPermissionValues(typeof req.query.workflowId === 'string' ? req.query.workflowId : ''),
    );
  });

  router.post('/permissions', async (req, res) => {
    const values = valuesFromPermissionForm(req.body);
    try {
      afterSave(req, res, await permissions.create(toPermissionInput(values)));
    } catch (err) {
      if (!isHookflowError(err) || err.status !== 422) throw err;
      await showForm(req, res, null, values, err.fields ?? { '(root)': err.message }, 422);
    }
  });

  router.get('/permissions/:id', async (req, res) => {
    const p = await permissions.require(parseId(req.params.id));
    await showForm(req, res, p, valuesFromPermission(p));
  });

  router.post('/permissions/:id', async (req, res) => {
    const p = await permissions.require(parseId(req.params.id));
    const values = valuesFromPermissionForm(req.body);
    try {
      afterSave(req, res, await permissions.update(p.id, toPermissionInput(values)));
    } catch (err) {
      if (!isHookflowError(err) || err.status !== 422) throw err;
      await showForm(req, res, p, values, err.fields ?? { '(root)': err.message }, 422);
    }
  });

  router.post('/permissions/:id/delete', async (req, res) => {
    const id = parseId(req.params.id);
    if (!(await permissions.get(id))) throw new HookflowError('not_found', `permission ${id} not found`);
    await permissions.remove(id);
    await capture.forget(id);
    res.redirect(303, `${ctx.base(res)}/permissions?notice=deleted`);
  });
}
