/**
 * One short-URL request from permission check to answer (see router.ts for the order of
 * checks; idempotent-run.ts runs a permitted request at most once per Idempotency-Key).
 * Invariants: the per-IP limit is the first check that counts a request — before the control
 * parameters are parsed, the database is asked or a body is read — so bad requests are capped
 * exactly like unpermitted ones; nothing is parsed or run for a caller without permission; every
 * refusal before a run goes to the refused-requests log, which counts repeats per source instead
 * of writing a row each (refusals.ts), and 429s are not logged at all; an unexpected error is
 * logged with an id and answered with a generic 500; tokens and bodies never reach a log line.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { HookflowError } from '../errors.js';
import { toHookflowError } from '../http-errors.js';
import { isTransientDbError } from '../storage/transient-errors.js';
import { describeTarget, hasNoTarget, parseControlParams, type ControlParams } from './control-params.js';
import { resolveClientAddress, parseTrustedProxies } from './client-address.js';
import { extractPresentedToken } from './tokens.js';
import { decideAccess } from './access.js';
import { createBodyReader, runMiddleware, type BodyReader } from './request-body.js';
import { toInertEnv } from './env-fields.js';
import { errorAnswer, sendAnswer, successAnswer, wantsHtml, type InboundAnswer, type PageModel } from './responses.js';
import { createIdempotentRun, type IdempotentRunDeps, type RunCtx } from './idempotent-run.js';
import { capturedAnswer, createCaptureMode } from './capture-mode.js';
import type { Permission } from './permissions.js';

interface Ctx extends RunCtx {
  res: Response;
  token?: string; // the presented token: capture mode drops values holding it
}

function memo<K, V>(build: (key: K) => V): (key: K) => V {
  let last: { k: string; v: V } | null = null;
  return (key) => {
    const k = JSON.stringify(key);
    if (last?.k !== k) last = { k, v: build(key) };
    return last.v;
  };
}

// Keys and limits come from res.locals, which the handler fills before running a limiter.
function limiter(limit: (res: Response) => number, key: (res: Response) => string) {
  return rateLimit({
    windowMs: 60_000,
    limit: (_req, res) => limit(res),
    keyGenerator: (_req, res) => key(res),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(new HookflowError('rate_limited', 'Too many requests; slow down and retry in a minute')),
    skip: (_req, res) => limit(res) <= 0,
    validate: false,
  });
}

export function createInboundHandler(deps: IdempotentRunDeps) {
  const withIdempotency = createIdempotentRun(deps);
  const capture = createCaptureMode({ ...deps, now: () => deps.host.now().getTime() }); // issue 21.2
  const trusted = memo((values: string[]) => {
    const parsed = parseTrustedProxies(values);
    if ('errors' in parsed)
      deps.logger.error({ errors: parsed.errors }, 'trustedProxies setting is invalid; trusting no proxy');
    return 'ok' in parsed ? parsed.ok : { entries: [] };
  });
  const bodyReader = memo(
    (l: { maxBytes: number; maxFields: number; maxDepth: number; maxNameLength: number }): BodyReader =>
      createBodyReader(l),
  );
  const permissionOf = (res: Response) => res.locals.hookflowPermission as Permission;
  const perIp = limiter(
    () => deps.settings().inboundPerIpPerMinute,
    (res) => ipKeyGenerator(String(res.locals.hookflowIp)),
  );
  const perPermission = limiter(
    (res) => permissionOf(res).rateLimitPerMinute ?? 0,
    (res) => `p${permissionOf(res).id}`,
  );

  function clientIp(req: Request): string {
    const s = deps.settings();
    const r = resolveClientAddress({
      socketAddress: req.socket.remoteAddress,
      forwardedFor: req.headers['x-forwarded-for'],
      trusted: trusted(s.trustedProxies),
    });
    if ('error' in r) throw new HookflowError('forbidden', `Client address could not be determined: ${r.error}`);
    return r.ok;
  }

  /**
   * A URL without workflow_id/trigger (`POST <short>/<token>`, Stackflows' `?uid=` style) runs the
   * target of the one permission the token belongs to; the usual access decision still applies
   * to it (its sources, "require IP and token"). No token at all: nothing names a target, a 400.
   */
  async function targetPermissions(ctx: Ctx, token: string | undefined): Promise<Permission[]> {
    const params = ctx.params as ControlParams;
    if (!hasNoTarget(params)) return deps.access.forTarget(params);
    if (token === undefined)
      throw new HookflowError('bad_request', 'Bad control parameters', {
        workflow_id: "give workflow_id or trigger, or a token that names its permission's workflow",
      });
    const own = await deps.access.forToken(token);
    if (!own) return [];
    ctx.params = {
      ...params,
      ...(own.workflowId ? { workflowId: own.workflowId } : { triggerName: own.triggerName ?? undefined }),
    };
    return [own];
  }

  async function authorize(ctx: Ctx, pathToken: string | undefined): Promise<Permission> {
    const token = extractPresentedToken({
      authorization: ctx.req.headers.authorization,
      headerToken: header(ctx.req, 'x-hookflow-token'),
      pathToken,
    });
    ctx.token = token;
    const candidates = await targetPermissions(ctx, token);
    const params = ctx.params as ControlParams;
    const decision = decideAccess(candidates, ctx.ip, token);
    if (!decision.allowed) {
      await deps.refusals.record({ ip: ctx.ip, target: describeTarget(params), reason: decision.reason, status: 403 });
      // One answer for every refusal: it must not tell a caller whether the workflow exists.
      throw new HookflowError('forbidden', 'Not allowed: no HTTP handler permission for this source');
    }
    return decision.permission;
  }

  async function readEnv(ctx: Ctx): Promise<Record<string, unknown>> {
    const s = deps.settings();
    const body = await bodyReader({
      maxBytes: s.inboundBodyLimit,
      maxFields: s.inboundMaxFields,
      maxDepth: s.inboundMaxDepth,
      maxNameLength: s.inboundMaxFieldNameLength,
    })(ctx.req, ctx.res);
    const p = ctx.permission as Permission;
    if (!p.queryAsEnv) return body;
    // Query fields get exactly the checks body fields get (prototype keys, counts, name length).
    const query = toInertEnv((ctx.params as ControlParams).extra, {
      maxFields: s.inboundMaxFields,
      maxDepth: s.inboundMaxDepth,
      maxNameLength: s.inboundMaxFieldNameLength,
    });
    return { ...query, ...body };
  }

  async function refuseLogged(ctx: Ctx, err: HookflowError): Promise<void> {
    if (err.status === 403 || err.status === 429 || err.status >= 500) return; // 403s are logged in authorize()
    await deps.refusals
      .record({
        ip: ctx.ip,
        target: ctx.params ? describeTarget(ctx.params) : null,
        reason: err.message,
        status: err.status,
      })
      .catch(() => undefined);
  }

  return async function handle(req: Request, res: Response, pathToken: string | undefined): Promise<void> {
    const ctx: Ctx = { req, res, asHtml: wantsHtml(req), ip: req.socket.remoteAddress ?? '?' };
    try {
      ctx.ip = clientIp(req);
      res.locals.hookflowIp = ctx.ip;
      await runMiddleware(perIp, req, res);
      ctx.params = parseControlParams(rawQuery(req));
      ctx.permission = await authorize(ctx, pathToken);
      res.locals.hookflowPermission = ctx.permission;
      await runMiddleware(perPermission, req, res);
      const env = await readEnv(ctx);
      if (honeypotFilled(ctx.permission, env)) {
        await deps.refusals.record({
          ip: ctx.ip,
          target: describeTarget(ctx.params),
          reason: 'honeypot field filled; answered 200, nothing ran',
          status: 200,
        });
        return sendAnswer(
          res,
          successAnswer(
            { runId: 0, workflowId: 0, recordId: ctx.params.recordId, response: null },
            ctx.asHtml,
            deps.page,
          ),
        );
      }
      const sample = { ...ctx, permission: ctx.permission, env, headers: req.headers }; // captured: nothing runs
      if (await capture.take(sample)) return sendAnswer(res, capturedAnswer(ctx.asHtml, deps.page));
      sendAnswer(res, await withIdempotency(ctx, env));
    } catch (err) {
      if (isTransientDbError(err)) {
        deps.logger.warn(
          { ip: ctx.ip, err: String((err as Error)?.message ?? err) },
          'inbound request: database unavailable; answered 503',
        );
        return sendAnswer(res, unavailableAnswer(ctx.asHtml, deps.page));
      }
      const coded = toHookflowError(err);
      if (!coded) {
        const errorId = randomUUID();
        deps.logger.error(
          { errorId, ip: ctx.ip, err: String((err as Error)?.stack ?? err) },
          'inbound request failed unexpectedly',
        );
        return sendAnswer(
          res,
          errorAnswer(new HookflowError('internal', `Internal error (id ${errorId})`), ctx.asHtml, deps.page),
        );
      }
      await refuseLogged(ctx, coded);
      if (!req.complete) res.setHeader('connection', 'close'); // do not read an unwanted body to its end
      sendAnswer(res, errorAnswer(coded, ctx.asHtml, deps.page));
    }
  };
}

/** Seconds a caller should wait after a transient database error before retrying. */
export const RETRY_AFTER_OUTAGE_SECONDS = 5;

/**
 * The database is briefly unreachable: 503 with Retry-After, never a 500 "a task failed". A run
 * stored before the outage resumes on its own; a retry sent with an Idempotency-Key cannot run twice.
 */
function unavailableAnswer(asHtml: boolean, page: (m: PageModel) => string): InboundAnswer {
  const answer = errorAnswer(
    new HookflowError(
      'unavailable',
      'The CRM database is not reachable right now; retry in a few seconds (send an Idempotency-Key to make retries safe)',
    ),
    asHtml,
    page,
  );
  return { ...answer, headers: { ...answer.headers, 'retry-after': String(RETRY_AFTER_OUTAGE_SECONDS) } };
}

const header = (req: Request, name: string) => (typeof req.headers[name] === 'string' ? req.headers[name] : undefined);

function rawQuery(req: Request): string {
  const q = req.originalUrl.indexOf('?');
  return q === -1 ? '' : req.originalUrl.slice(q + 1);
}

function honeypotFilled(p: Permission, env: Record<string, unknown>): boolean {
  if (!p.honeypotField) return false;
  const v = env[p.honeypotField];
  return v !== undefined && v !== null && String(v).trim() !== '';
}
