/**
 * Maps anything thrown in a host route to `{ error: { code, message, fields? } }` with the
 * right status. Body-parser failures carry a `type`; coded HookflowErrors carry their status;
 * a transient database error (lost connection, deadlock) is a 503 with Retry-After; everything
 * else is a 500 that is logged with a request id the client can quote.
 */
import type { ErrorRequestHandler, Response } from 'express';
import { isTransientDbError, toHookflowError, type HookflowError, type HostLogger } from 'hookflow';

/** Seconds a client should wait after a transient database error (connection lost, deadlock …). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/** Turns any error into a coded one; null means "unexpected" (a 500). The module owns the mapping. */
export const toCodedError = toHookflowError;

export function sendError(res: Response, err: HookflowError): void {
  res.status(err.status).json({ error: err.toJSON() });
}

/** The JSON error handler for API routers. */
export function jsonErrorHandler(logger: HostLogger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    if (isTransientDbError(err)) {
      // Nothing was changed (a write's transaction rolled back with the connection): retry is safe.
      logger.warn(
        {
          requestId: res.locals.requestId,
          method: req.method,
          path: req.path,
          err: String((err as Error)?.message ?? err),
        },
        'database unavailable; answered 503',
      );
      res
        .status(503)
        .set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS))
        .json({
          error: { code: 'unavailable', message: 'The database is not reachable right now; retry in a few seconds' },
        });
      return;
    }
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
