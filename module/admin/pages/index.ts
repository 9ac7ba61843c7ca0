/**
 * The admin settings pages: server-rendered handlebars, mounted by the admin router after the
 * host's requireAdmin (so every page is admin-only) and after `/api`. Every POST carries a CSRF
 * token; pages work without JavaScript (a small script only adds copy buttons and the like).
 * The pages hold no business logic of their own: they call the same services as the JSON API.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Response, type Router } from 'express';
import type { Knex } from 'knex';
import type { HostContext, HostLogger } from '../../host.js';
import type { HookflowManifest } from '../../manifest.js';
import type { WorkflowService } from '../../workflows/service.js';
import type { WorkflowStore } from '../../workflows/store.js';
import type { RunStarter } from '../../workflows/start-run.js';
import type { SettingsStore } from '../../settings-store.js';
import type { AnyTaskDefinition } from '../../workflows/task-types.js';
import type { TemplateEngine } from '../../workflows/templates.js';
import type { PermissionStore } from '../../inbound/permissions.js';
import type { RefusalLog } from '../../inbound/refusals.js';
import { toHookflowError } from '../../http-errors.js';
import { rememberAdminBase, type AdminCsrf } from './csrf.js';
import { adminViewsDir, createPageRenderer, type PageRenderer } from './render.js';
import type { PagesContext } from './context.js';
import { registerOverview } from './overview.js';
import { registerWorkflows } from './workflows.js';
import { registerTasks } from './tasks.js';
import { registerDeliveries } from './deliveries.js';
import { registerRuns } from './runs.js';
import { registerSettings } from './settings.js';
import { registerPermissions } from './permissions.js';
import { registerWebhookState } from './webhook-state.js';
import { registerBackfills } from './backfills.js';

export interface AdminPagesDeps {
  db: Knex;
  host: HostContext;
  logger: HostLogger;
  manifest: HookflowManifest;
  workflows: WorkflowService;
  store: WorkflowStore;
  starter: RunStarter;
  settingsStore: SettingsStore;
  taskTypes: Map<string, AnyTaskDefinition>;
  templates: TemplateEngine;
  /** Wakes the worker after something was queued. */
  wake(): void;
  /** CSRF tokens of the admin forms; the same instance guards the JSON API (see csrf.ts). */
  csrf: AdminCsrf;
  /** HTTP handler permissions, shared with the inbound router. Default: a store on `db`. */
  permissions?: PermissionStore;
  /** The refused-requests log, shared with the inbound router. Default: a log on `db`. */
  refusals?: RefusalLog;
}

function errorPages(render: PageRenderer, logger: HostLogger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const coded = toHookflowError(err);
    if (coded && coded.status < 500) {
      const heading = coded.status === 404 ? 'Not found' : 'That did not work';
      render(req, res, 'message', { title: heading, heading, message: coded.message }, coded.status);
      return;
    }
    const errorId = randomUUID();
    logger.error({ errorId, err: String((err as Error)?.stack ?? err), path: req.path }, 'admin page failed');
    render(
      req,
      res,
      'message',
      {
        title: 'Something went wrong',
        heading: 'Something went wrong',
        message: `The error was logged with id ${errorId}.`,
      },
      500,
    );
  };
}

export function createAdminPages(deps: AdminPagesDeps): Router {
  const { csrf } = deps;
  const render = createPageRenderer({ csrfToken: csrf.token, taskTypes: deps.taskTypes });
  const ctx: PagesContext = { deps, render, base: (res: Response) => String(res.locals.hfBase ?? '') };
  const router = express.Router();

  router.use('/assets', express.static(path.join(adminViewsDir, 'assets'), { index: false, maxAge: '1h' }));
  // Mount path of the admin router, read here where it is exact (sub-paths would extend it).
  router.use(rememberAdminBase);
  router.use(csrf.protect);
  registerOverview(router, ctx);
  registerWebhookState(router, ctx);
  registerWorkflows(router, ctx);
  registerBackfills(router, ctx);
  registerTasks(router, ctx);
  registerDeliveries(router, ctx);
  registerRuns(router, ctx);
  registerSettings(router, ctx);
  registerPermissions(router, ctx);
  router.use(
    csrf.errors((req, res) => {
      render(
        req,
        res,
        'message',
        {
          title: 'Form expired',
          heading: 'This form has expired',
          message:
            'The security token of the form was missing or no longer valid, so nothing was changed. Go back, reload the page and try again.',
        },
        403,
      );
    }),
  );
  router.use(errorPages(render, deps.logger));
  return router;
}
