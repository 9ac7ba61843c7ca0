/**
 * The short URL (mounted by the host at manifest `routes.inbound`, default `/wf`; the path
 * below it is the `shortUrlPath` setting, optionally followed by `/<token>`).
 * Order of checks — each refuses before the next costs anything:
 *   module enabled (503) → POST only (405) → client address (403) → per-IP rate limit (429)
 *   → control parameters (400) → permission for the target: source and/or token (403, the same
 *   answer whether or not the workflow exists) → per-permission rate limit (429) → body
 *   (413/415/400) → honeypot → capture mode (202, nothing runs; capture-mode.ts) → idempotency
 *   (replay/409/422) → workflow, record, $env (404/409/422) → run (sync answer / 202). The per-IP limit comes before the control parameters so that
 *   malformed requests are counted too (issue 14).
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Knex } from 'knex';
import type { HostContext, HostLogger } from '../host.js';
import type { HookflowSettings } from '../config.js';
import { HookflowError } from '../errors.js';
import type { WorkflowStore } from '../workflows/store.js';
import type { WorkflowLookup } from '../workflows/workflow-catalog.js';
import type { ConfigWatch } from '../storage/versioned-snapshot.js';
import type { RunStarter } from '../workflows/start-run.js';
import type { AnyTaskDefinition } from '../workflows/task-types.js';
import type { TemplateEngine } from '../workflows/templates.js';
import { createPermissionStore, type PermissionStore } from './permissions.js';
import { createPermissionCatalog, type PermissionLookup } from './permission-catalog.js';
import { createRefusalLog, type RefusalLog } from './refusals.js';
import { createIdempotencyStore } from './idempotency.js';
import { createResultPage, errorAnswer, sendAnswer, wantsHtml } from './responses.js';
import { createInboundHandler } from './inbound-handler.js';
import { matchShortPath } from './short-url.js';

export interface InboundDeps {
  db: Knex;
  host: HostContext;
  store: WorkflowStore;
  /** The workflows the short URL runs (in-memory, follows the configuration version). */
  workflowLookup: WorkflowLookup;
  starter: RunStarter;
  settings(): HookflowSettings;
  logger: HostLogger;
  taskTypes: Map<string, AnyTaskDefinition>;
  templates: TemplateEngine;
  /** Created by install() and shared with the permissions API. */
  permissions: PermissionStore;
  /** The enabled permissions the short URL checks (in-memory, follows the configuration version). */
  access: PermissionLookup;
  refusals: RefusalLog;
}

/**
 * The inbound services install() creates once and shares (handler, API, admin pages). With a
 * configuration watch the handler reads permissions from memory (`access`); without one, from
 * the database on every request.
 */
export function createInboundServices(deps: { db: Knex; host: HostContext; watch?: ConfigWatch }) {
  const now = () => deps.host.now().getTime();
  const permissions = createPermissionStore({ db: deps.db, now, changed: deps.watch?.invalidate });
  const access: PermissionLookup = deps.watch
    ? createPermissionCatalog({ watch: deps.watch, listEnabled: permissions.listEnabled })
    : permissions;
  return { permissions, access, refusals: createRefusalLog({ db: deps.db, now }) };
}

export function createInboundRouter(deps: InboundDeps): Router {
  const page = createResultPage();
  const idempotency = createIdempotencyStore({ db: deps.db });
  const handle = createInboundHandler({ ...deps, idempotency, page });
  const router = express.Router();

  router.use((req: Request, res: Response, next) => {
    let matched: { token?: string } | null;
    try {
      matched = matchShortPath(req.path, deps.settings().shortUrlPath);
    } catch {
      matched = null;
    }
    if (!matched) return next();
    const asHtml = wantsHtml(req);
    if (!deps.settings().enabled)
      return sendAnswer(
        res,
        errorAnswer(new HookflowError('unavailable', 'The HTTP handler is switched off'), asHtml, page),
      );
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendAnswer(res, {
        ...errorAnswer(new HookflowError('bad_request', 'Use POST'), asHtml, page),
        status: 405,
      });
    }
    handle(req, res, matched.token).catch(next);
  });
  return router;
}
