/**
 * Maps errors to HTTP answers: coded errors with their status and
 * `{ error: { code, message, fields? } }`; body-parser failures to 400/413/415; anything else
 * is logged with an id and answered with a generic 500 carrying only that id.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, Response } from 'express';
import type { HostLogger } from './host.js';
import { HookflowError, isHookflowError } from './errors.js';

/** Translates express/body-parser errors (they carry `type` and `status`) into coded errors. */
export function toHookflowError(err: unknown): HookflowError | null {
  if (isHookflowError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string } | null;
  switch (e?.type) {
    case 'entity.parse.failed': return new HookflowError('bad_request', 'The body is not valid JSON');
    case 'entity.too.large': return new HookflowError('payload_too_large', 'The body is too large');
    case 'parameters.too.many': return new HookflowError('payload_too_large', 'Too many parameters');
    case 'charset.unsupported':
    case 'encoding.unsupported': return new HookflowError('unsupported_media_type', e.message ?? 'Unsupported encoding');
    default: return null;
  }
}

export function sendError(res: Response, err: unknown, logger: HostLogger, extra: Record<string, unknown> = {}): void {
  const coded = toHookflowError(err);
  if (res.headersSent) return;
  if (coded) {
    res.status(coded.status).json({ ...extra, error: coded.toJSON() });
    return;
  }
  const errorId = randomUUID();
  logger.error({ errorId, err: String((err as Error)?.stack ?? err) }, 'unexpected error');
  res.status(500).json({ ...extra, error: { code: 'internal', message: `Internal error (id ${errorId})`, errorId } });
}

/** Express error middleware for JSON routers. */
export function jsonErrorHandler(logger: HostLogger): ErrorRequestHandler {
  return (err, _req, res, _next) => sendError(res, err, logger);
}

/** Parses a positive integer id from a route parameter; 400 otherwise. */
export function parseId(value: unknown, name = 'id'): number {
  const text = typeof value === 'string' ? value : '';
  if (!/^[1-9][0-9]{0,14}$/.test(text)) throw new HookflowError('bad_request', `${name} must be a positive integer`);
  return Number(text);
}
