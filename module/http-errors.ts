/**
 * Maps errors to HTTP answers: coded errors with their status and
 * `{ error: { code, message, fields? } }`; body-parser failures to 400/413/415; anything else
 * is logged with an id and answered with a generic 500 carrying only that id.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, Response } from 'express';
import type { HostLogger } from './host.js';
import { HookflowError, isHookflowError } from './errors.js';

/** body-parser (express.json / urlencoded) error types and what the client should hear. */
const BODY_ERRORS: Record<string, () => HookflowError> = {
  'entity.parse.failed': () => new HookflowError('bad_request', 'Malformed JSON body'),
  'entity.too.large': () => new HookflowError('payload_too_large', 'Request body is too large'),
  'encoding.unsupported': () => new HookflowError('unsupported_media_type', 'Unsupported content encoding'),
  'charset.unsupported': () => new HookflowError('unsupported_media_type', 'Unsupported charset; send UTF-8'),
  'request.aborted': () => new HookflowError('bad_request', 'Request body was cut short'),
  'request.size.invalid': () => new HookflowError('bad_request', 'Request body size does not match Content-Length'),
  'parameters.too.many': () => new HookflowError('payload_too_large', 'Too many form fields'),
};

/** Turns any error into a coded one (body-parser failures included); null means "unexpected" (a 500). */
export function toHookflowError(err: unknown): HookflowError | null {
  if (isHookflowError(err)) return err;
  const type = (err as { type?: unknown })?.type;
  if (typeof type === 'string' && BODY_ERRORS[type]) return BODY_ERRORS[type]();
  const e = err as { status?: unknown; expose?: unknown; message?: unknown } | null;
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose)
    return new HookflowError('bad_request', String(e.message));
  return null;
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
