/**
 * Management API for HTTP handler permissions (mounted under the admin router's `/api`):
 * CRUD with strict source validation, the token shown once, "would this address be let in?"
 * and the refused-requests log (each entry with `repeats`: how many more like it were counted on
 * it, the latest at `lastAt`), and capture mode (`/permissions/:id/capture`: POST starts it, GET
 * shows the captured request, DELETE ends it). Admin-only because the admin router requires the host's admin.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { HookflowError } from '../errors.js';
import { parseInput } from '../validation-messages.js';
import { parseId } from '../http-errors.js';
import { buildExamples, type Examples } from './examples.js';
import { shortUrlOf } from './short-url.js';
import { toPublicPermission, type Permission } from './permissions.js';
import { checkClientAddress } from './address-check.js';
import type { InboundDeps } from './router.js';
import { createCaptureMode } from './capture-mode.js';

export interface PermissionsApiDeps extends Pick<
  InboundDeps,
  'permissions' | 'refusals' | 'store' | 'settings' | 'host' | 'db'
> {
  /** Mount path of the inbound router (manifest `routes.inbound`), for the examples. */
  inboundMount: string;
}

const CheckInput = z.object({
  ip: z.string().min(1).max(100),
  permissionId: z.number().int().positive().optional(),
  workflowId: z.number().int().positive().optional(),
  triggerName: z.string().max(64).optional(),
});

const Paging = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Copy-ready examples for a permission, with the fields its target workflow declares. */
export async function permissionExamples(
  store: InboundDeps['store'],
  shortUrl: string,
  p: Permission,
): Promise<Examples> {
  const wf =
    p.workflowId != null
      ? await store.get(p.workflowId)
      : ((await store.findByTriggerName(p.triggerName ?? ''))[0] ?? null);
  return buildExamples({ shortUrl, permission: p, fields: wf?.requiredEnv.map((f) => f.name) });
}

export function createPermissionsApi(deps: PermissionsApiDeps): Router {
  const api = express.Router();
  const shortUrl = () => shortUrlOf(deps.host.baseUrl, deps.inboundMount, deps.settings().shortUrlPath);
  const capture = createCaptureMode({ ...deps, now: () => deps.host.now().getTime() });

  api.get('/permissions', async (_req, res) => {
    res.json({ permissions: (await deps.permissions.list()).map(toPublicPermission), shortUrl: shortUrl() });
  });
  api.post('/permissions', async (req, res) => {
    const saved = await deps.permissions.create(req.body);
    res
      .status(201)
      .json({ permission: toPublicPermission(saved.permission), ...(saved.token ? { token: saved.token } : {}) });
  });
  api.get('/permissions/:id', async (req, res) => {
    const p = await deps.permissions.require(parseId(req.params.id));
    res.json({ permission: toPublicPermission(p), examples: await permissionExamples(deps.store, shortUrl(), p) });
  });
  api.put('/permissions/:id', async (req, res) => {
    const saved = await deps.permissions.update(parseId(req.params.id), req.body);
    res.json({ permission: toPublicPermission(saved.permission), ...(saved.token ? { token: saved.token } : {}) });
  });
  api.delete('/permissions/:id', async (req, res) => {
    const id = parseId(req.params.id);
    await deps.permissions.remove(id);
    await capture.forget(id);
    res.status(204).end();
  });
  // Capture mode (capture-mode.ts): 202 while waiting for the next request; GET shows what came.
  api.post('/permissions/:id/capture', async (req, res) => {
    res.status(202).json(await capture.start(parseId(req.params.id), req.body ?? {}));
  });
  api.get('/permissions/:id/capture', async (req, res) => {
    res.json(await capture.status(parseId(req.params.id)));
  });
  api.delete('/permissions/:id/capture', async (req, res) => {
    res.json(await capture.stop(parseId(req.params.id)));
  });
  api.post('/permissions/check', async (req, res) => {
    const input = parseInput(CheckInput, req.body);
    const result = checkClientAddress(
      input.ip,
      await deps.permissions.list(),
      (p) =>
        (!input.permissionId || p.id === input.permissionId) &&
        (!input.workflowId || p.workflowId === input.workflowId) &&
        (!input.triggerName || p.triggerName === input.triggerName),
    );
    if (result === null)
      throw new HookflowError('validation_failed', 'Invalid address', { ip: 'is not an IPv4 or IPv6 address' });
    res.json(result);
  });
  api.get('/refusals', async (req, res) => {
    const { limit, offset } = parseInput(Paging, req.query);
    res.json(await deps.refusals.list(limit, offset));
  });
  return api;
}
