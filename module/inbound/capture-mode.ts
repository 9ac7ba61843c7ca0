/**
 * Capture mode (issue 21.2, n8n's "listen for test event"): an admin puts a permission in capture
 * mode for N minutes; the next request that passes the permission's checks is recorded
 * (capture-sample.ts decides what is kept, captures.ts stores it) and answered 202
 * `{captured: true}` WITHOUT running anything. Only one request wins (permissions.claimCapture is a
 * conditional update); later ones, and every request after the window, run normally.
 * A permission that no caller can pass (no allowed address and no token) cannot capture: a 422.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { HookflowError } from '../errors.js';
import { parseInput } from '../validation-messages.js';
import { createCaptureStore, type CapturedRequest } from './captures.js';
import { buildCaptureSample } from './capture-sample.js';
import type { Permission, PermissionStore } from './permissions.js';
import type { InboundAnswer, PageModel } from './responses.js';

export const DEFAULT_CAPTURE_MINUTES = 10;
export const MAX_CAPTURE_MINUTES = 60;
/** How long a captured request is kept before retention prunes it. */
export const CAPTURE_KEEP_MS = 24 * 3600 * 1000;

export const CaptureInput = z
  .object({
    /** How long the permission waits for a request. Default 10, at most 60. */
    minutes: z.coerce.number().int().min(1).max(MAX_CAPTURE_MINUTES).default(DEFAULT_CAPTURE_MINUTES),
  })
  .strict();

export interface CaptureStatus {
  /** Epoch ms until which the permission captures; null when it does not. */
  captureUntil: number | null;
  /** The newest capture not yet pruned, or null. */
  capture: CapturedRequest | null;
}

export interface CaptureRequest {
  permission: Permission;
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  env: Record<string, unknown>;
  token?: string;
}

export type CaptureMode = ReturnType<typeof createCaptureMode>;

/** PURE: can any caller pass this permission? (an address on its list or a token; both when it requires both) */
export function hasAllowedSource(p: Permission): boolean {
  if (p.requireIpAndToken) return p.sources.length > 0 && p.hasToken;
  return p.sources.length > 0 || p.hasToken;
}

/** The handler's answer to a captured request (a page for a browser's form post). */
export function capturedAnswer(asHtml: boolean, page: (m: PageModel) => string): InboundAnswer {
  const body = asHtml
    ? page({ ok: true, title: 'Captured', message: 'This request was recorded as a sample; nothing was run.' })
    : JSON.stringify({ ok: true, captured: true });
  const type = asHtml ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
  return { status: 202, headers: { 'content-type': type }, body };
}

export function createCaptureMode(deps: { db: Knex; permissions: PermissionStore; now(): number }) {
  const store = createCaptureStore(deps);
  const isOpen = (p: Permission) => p.captureUntil !== null && p.captureUntil > deps.now();
  return {
    /** Capture mode on for `minutes` (default 10); 422 when no caller could pass the permission. */
    async start(id: number, raw: unknown = {}): Promise<CaptureStatus> {
      const { minutes } = parseInput(CaptureInput, raw ?? {}, 'Invalid capture');
      const p = await deps.permissions.require(id);
      if (!hasAllowedSource(p))
        throw new HookflowError('validation_failed', 'This permission lets no caller in: nothing to capture', {
          sources: 'add an allowed address or a token first',
        });
      if (!p.enabled)
        throw new HookflowError('validation_failed', 'This permission is disabled: nothing to capture', {
          enabled: 'enable the permission first',
        });
      await deps.permissions.setCaptureUntil(id, deps.now() + minutes * 60_000);
      return this.status(id);
    },
    async stop(id: number): Promise<CaptureStatus> {
      await deps.permissions.require(id);
      await deps.permissions.setCaptureUntil(id, null);
      return this.status(id);
    },
    /** A deleted permission's captures go with it. */
    async forget(id: number): Promise<void> {
      await store.removeFor(id);
    },
    async status(id: number): Promise<CaptureStatus> {
      const p = await deps.permissions.require(id);
      return { captureUntil: isOpen(p) ? p.captureUntil : null, capture: await store.latest(id) };
    },
    /** The handler's branch: records the request when the permission captures (true: answer 202, run nothing). */
    async take(r: CaptureRequest): Promise<boolean> {
      if (!isOpen(r.permission)) return false;
      const sample = buildCaptureSample(r);
      return deps.permissions.claimCapture(r.permission.id, deps.now(), async (trx) => {
        await store.insert(trx, r.permission.id, sample, CAPTURE_KEEP_MS);
      });
    },
  };
}
