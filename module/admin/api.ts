/**
 * The management API (JSON, admin-only), mounted by the admin router at `/api`:
 * workflows CRUD, activate/deactivate, manual runs, runs log with filters, re-run, import/export,
 * `POST /tasks/preview` (preview-api.ts) and `GET /csrf-token` for scripts in the admin's browser.
 * Every state-changing request (any method but GET/HEAD/OPTIONS, on any path, extensions
 * included) first passes the CSRF guard (pages/csrf.ts: Bearer, or same origin + X-CSRF-Token),
 * then must carry a JSON body or none at all: text/plain and form bodies, what a cross-site form
 * or a no-cors fetch can send, are refused with 415 even when the guard would let them by.
 */
import express, { type Request, type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import type { HostLogger } from '../host.js';
import { HookflowError } from '../errors.js';
import { parseInput as parse } from '../validation-messages.js';
import { jsonErrorHandler, parseId } from '../http-errors.js';
import type { WorkflowService } from '../workflows/service.js';
import type { WorkflowStore } from '../workflows/store.js';
import type { RunStarter } from '../workflows/start-run.js';
import { RUN_STATUSES, getRun, listRuns } from '../workflows/runs.js';
import { WorkflowStatus } from '../workflows/model.js';
import { isSafeMethod, type AdminCsrf } from './pages/csrf.js';
import { createPreviewApi } from './preview-api.js';
import type { TaskRequestDeps } from './task-request.js';

export interface ManagementApiDeps {
  db: Knex;
  logger: HostLogger;
  service: WorkflowService;
  store: WorkflowStore;
  starter: RunStarter;
  /** Extra routers mounted under /api by other capabilities (outbound log, permissions). */
  extensions?: Router[];
  /** The admin pages' CSRF instance: the API takes the same tokens in `X-CSRF-Token`. */
  csrf: AdminCsrf;
  /** What `POST /tasks/preview` builds requests with. Default `db`, `store` and the service's runtime. */
  preview?: TaskRequestDeps;
}

/** `application/json` or any `application/<x>+json`, parameters (charset) ignored. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9][a-z0-9!#$&^_.-]*\+json$/.test(type);
}

/**
 * Which body a state-changing request carries: none (no Content-Type and no bytes announced),
 * JSON, or something else. A Content-Type always counts, even on an empty body (an empty
 * text/plain form still is a form); bytes without a Content-Type are not JSON.
 */
export function bodyKind(h: {
  contentType?: string;
  contentLength?: string;
  transferEncoding?: string;
}): 'none' | 'json' | 'other' {
  if (h.contentType !== undefined) return isJsonMediaType(h.contentType) ? 'json' : 'other';
  const announced = h.transferEncoding !== undefined || (h.contentLength !== undefined && h.contentLength !== '0');
  return announced ? 'other' : 'none';
}

const requireJsonBody: RequestHandler = (req, _res, next) => {
  const kind = bodyKind({
    contentType: req.headers['content-type'],
    contentLength: req.headers['content-length'],
    transferEncoding: req.headers['transfer-encoding'],
  });
  if (isSafeMethod(req.method) || kind !== 'other') return next();
  next(new HookflowError('unsupported_media_type', 'Send a JSON body (Content-Type: application/json) or none'));
};

const RunQuery = z.object({
  workflowId: z.coerce.number().int().positive().optional(),
  status: z.enum(RUN_STATUSES).optional(),
  source: z.enum(['record_event', 'http', 'manual', 'rerun', 'schedule', 'backfill']).optional(),
  backfillId: z.coerce.number().int().positive().optional(),
  recordId: z.coerce.number().int().positive().optional(),
  module: z.string().max(64).optional(),
  since: z.coerce.number().int().nonnegative().optional(),
  until: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  before: z.coerce.number().int().positive().optional(),
  after: z.coerce.number().int().positive().optional(),
});

const ManualRun = z.object({
  recordId: z.number().int().nonnegative().default(0),
  env: z.record(z.string(), z.unknown()).default({}),
  mode: z.enum(['sync', 'async']).default('sync'),
});

const WorkflowQuery = z.object({ module: z.string().max(64).optional(), status: WorkflowStatus.optional() });

function actorOf(req: Request): number | null {
  const id = (req.res?.locals as { user?: { id?: number } } | undefined)?.user?.id;
  return typeof id === 'number' ? id : null;
}

export function createManagementApi(deps: ManagementApiDeps): Router {
  const { service, store, starter } = deps;
  const api = express.Router();
  // Guard first, so a refused request is never parsed; then JSON only.
  api.use(
    deps.csrf.protectApi,
    requireJsonBody,
    express.json({ limit: '2mb', type: (req) => isJsonMediaType(req.headers['content-type']) }),
  );

  // For scripts running in the admin's pages; the same token as the layout's <meta name="hookflow-csrf">.
  api.get('/csrf-token', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ token: deps.csrf.token(req, res) });
  });

  api.get('/workflows', async (req, res) => {
    const filter = parse(WorkflowQuery, req.query);
    res.json({ workflows: (await store.list(filter)).map(service.toPublic) });
  });
  api.post('/workflows', async (req, res) => {
    res.status(201).json({ workflow: service.toPublic(await service.create(req.body, actorOf(req))) });
  });
  api.get('/workflows/:id', async (req, res) => {
    res.json({ workflow: service.toPublic(await store.require(parseId(req.params.id))) });
  });
  api.put('/workflows/:id', async (req, res) => {
    res.json({ workflow: service.toPublic(await service.update(parseId(req.params.id), req.body)) });
  });
  api.delete('/workflows/:id', async (req, res) => {
    await store.remove(parseId(req.params.id));
    res.status(204).end();
  });
  api.post('/workflows/:id/activate', async (req, res) => {
    res.json({ workflow: service.toPublic(await service.setStatus(parseId(req.params.id), 'active')) });
  });
  api.post('/workflows/:id/deactivate', async (req, res) => {
    res.json({ workflow: service.toPublic(await service.setStatus(parseId(req.params.id), 'inactive')) });
  });
  api.post('/workflows/:id/run', async (req, res) => {
    const wf = await store.require(parseId(req.params.id));
    const body = parse(ManualRun, req.body ?? {});
    const started = await starter.start({
      workflow: wf,
      recordId: body.recordId || null,
      env: body.env,
      source: 'manual',
      mode: body.mode,
      actorUserId: actorOf(req),
    });
    res.status(body.mode === 'async' ? 202 : 200).json({ run: await getRun(deps.db, started.runId) });
  });

  api.get('/runs', async (req, res) => {
    res.json(await listRuns(deps.db, parse(RunQuery, req.query)));
  });
  api.get('/runs/:id', async (req, res) => {
    const run = await getRun(deps.db, parseId(req.params.id));
    if (!run) throw new HookflowError('not_found', `run ${req.params.id} not found`);
    res.json({ run });
  });
  api.post('/runs/:id/rerun', async (req, res) => {
    const old = await getRun(deps.db, parseId(req.params.id));
    if (!old) throw new HookflowError('not_found', `run ${req.params.id} not found`);
    const wf = await store.require(old.workflowId);
    const started = await starter.rerun(old.id, wf, actorOf(req));
    res.json({ run: await getRun(deps.db, started.runId) });
  });

  api.get('/export', async (_req, res) => {
    res.json(await service.exportAll());
  });
  api.post('/import', async (req, res) => {
    res.json(await service.importAll(req.body, actorOf(req)));
  });

  api.use(createPreviewApi(deps.preview ?? { db: deps.db, store, ...service.runtime }));
  for (const ext of deps.extensions ?? []) api.use(ext);
  api.use((_req, _res, next) => next(new HookflowError('not_found', 'No such API route')));
  api.use(jsonErrorHandler(deps.logger));
  return api;
}
