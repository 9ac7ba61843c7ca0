/**
 * Maps anything thrown in a host route to `{ error: { code, message, fields? } }` with the
 * right status. Body-parser failures carry a `type`; coded HookflowErrors carry their status;
 * everything else is a 500 that is logged with a request id the client can quote.
 */
import type { ErrorRequestHandler, Response } from 'express';
import { HookflowError, isHookflowError } from '../module/errors.js';
import type { HostLogger } from '../module/host.js';

/** body-parser (express.json / urlencoded) error types and what the client should hear. */
const BODY_ERRORS: Record<string, () => HookflowError> = {
  'entity.parse.failed': () => new HookflowError('bad_request', 'Malformed JSON body'),
  'entity.too.large': () => new HookflowError('payload_too_large', 'Request body is too large (limit 100 KiB)'),
  'encoding.unsupported': () => new HookflowError('unsupported_media_type', 'Unsupported content encoding'),
  'charset.unsupported': () => new HookflowError('unsupported_media_type', 'Unsupported charset; send UTF-8'),
  'request.aborted': () => new HookflowError('bad_request', 'Request body was cut short'),
  'request.size.invalid': () => new HookflowError('bad_request', 'Request body size does not match Content-Length'),
  'parameters.too.many': () => new HookflowError('payload_too_large', 'Too many form fields'),
};

/** Turns any error into a coded one; null means "unexpected" (a 500). */
export function toCodedError(err: unknown): HookflowError | null {
  if (isHookflowError(err)) return err;
  const type = (err as { type?: unknown })?.type;
  if (typeof type === 'string' && BODY_ERRORS[type]) return BODY_ERRORS[type]();
  const status = (err as { status?: unknown; expose?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose) {
    return new HookflowError('bad_request', String((err as Error).message));
  }
  return null;
}

export function sendError(res: Response, err: HookflowError): void {
  res.status(err.status).json({ error: err.toJSON() });
}

/** The JSON error handler for API routers. */
export function jsonErrorHandler(logger: HostLogger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const coded = toCodedError(err);
    if (coded && coded.code !== 'internal' && coded.code !== 'task_failed') {
      sendError(res, coded);
      return;
    }
    const requestId = String(res.locals.requestId ?? '');
    logger.error({ err, requestId, method: req.method, path: req.path }, 'request failed');
    res.status(500).json({ error: { code: 'internal', message: 'Internal error', requestId } });
  };
}
