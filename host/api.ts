/**
 * The host's JSON REST API, for any active user (session cookie or `Authorization: Bearer`).
 *
 *   GET    /api/modules                      → { modules }  (fixed, then admin-defined)
 *   POST   /api/modules                      body { name, label, fields: [{ name, label, type,
 *                                              options?, references? }], aliases? } → 201 { module }
 *                                              (admins only; 422 naming each bad field)
 *   PATCH  /api/modules/:name                body { label?, fields?, aliases?, removeFields? }
 *                                              → { module } (admins only; custom-module-changes.ts)
 *   DELETE /api/modules/:name?force=1        → 204 (admins only; 409 while it has records unless
 *                                              force=1, which deletes them firing hooks: module-admin.ts)
 *   GET    /api/records/:module?limit&offset → { records, total, limit, offset }
 *   POST   /api/records/:module              body { fields: {...}, ownerUserId? } → 201 { record }
 *   GET    /api/records/:module/:id          → { record }
 *   PATCH  /api/records/:module/:id          body { fields: {...} } (merged) → { record }
 *   DELETE /api/records/:module/:id          → 204
 *   GET    /api/me                           → { user } (the caller)
 *   PATCH  /api/me                           body { locale?, timeZone? } (null clears) → { user }
 *
 * Ownership: admins see and change every record; any other user lists, reads, updates and
 * deletes only records they own (someone else's record is a 404, like a missing one), and
 * creates records owned by themselves (`ownerUserId` naming another user is a 403 unless the
 * caller is an admin). The rule lives in RecordService and is applied to every call from here;
 * Hookflow's own calls through the HostRecords contract carry no caller and are not checked.
 *
 * Record values always travel inside `fields`, so top-level keys stay free for metadata such
 * as `ownerUserId`. Session-authenticated writes need no CSRF token: the session cookie is
 * SameSite=Lax (not sent on cross-site POST/PATCH/DELETE) and a JSON content type cannot be
 * sent cross-site without a CORS preflight, which this API never grants.
 *
 * `/api/me` sets what any user may set about themselves: the language (BCP 47) and time zone
 * (IANA) of Hookflow's failure mails (preferences.ts: a bad value is a 422 naming the field).
 */
import express, { type RequestHandler, type Response, type Router } from 'express';
import { HookflowError, type FieldErrors, type HostLogger, type HostUser } from 'hookflow';
import { jsonErrorHandler } from './http-errors.js';
import { MAX_LIST_LIMIT, type RecordCaller, type RecordService } from './records.js';
import { parseUserPreferences } from './preferences.js';
import { deleteModule, updateModule } from './module-admin.js';
import type { UserService } from './users.js';
import type { AuthMiddleware } from './session.js';

/** Largest accepted request body. */
export const API_BODY_LIMIT = 100 * 1024;

/** A positive integer id that survives a round-trip through a JS number, or a 400. */
export function parseId(raw: string): number {
  const id = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id))
    throw new HookflowError('bad_request', 'id must be a positive integer', { id: 'must be a positive integer' });
  return id;
}

function parseQueryInt(
  value: unknown,
  name: string,
  min: number,
  max: number,
  fallback: number,
  errors: FieldErrors,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    errors[name] = `must be an integer from ${min} to ${max}`;
    return fallback;
  }
  return n;
}

function parsePaging(query: Record<string, unknown>): { limit: number; offset: number } {
  const errors: FieldErrors = {};
  const limit = parseQueryInt(query.limit, 'limit', 1, MAX_LIST_LIMIT, 50, errors);
  const offset = parseQueryInt(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0, errors);
  if (Object.keys(errors).length > 0) throw new HookflowError('bad_request', 'Bad paging parameters', errors);
  return { limit, offset };
}

/** Route params are typed `string | string[]` in express 5 (splats are arrays); ours are plain. */
function param(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** The logged-in API user (requireApiUser ran first), as the records service checks it. */
function callerOf(res: Response): RecordCaller {
  const user = res.locals.user as HostUser;
  return { id: Number(user.id), isAdmin: user.isAdmin === true };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks the envelope `{ fields, ownerUserId? }`; the values themselves are checked by records. */
function parseBody(body: unknown, allowOwner: boolean): { fields: Record<string, unknown>; ownerUserId?: number } {
  if (!isObject(body)) throw new HookflowError('bad_request', 'Body must be a JSON object like { "fields": { ... } }');
  const allowed = allowOwner ? ['fields', 'ownerUserId'] : ['fields'];
  const errors: FieldErrors = Object.create(null);
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) errors[key] = 'unknown property; record values go inside "fields"';
  }
  if (!isObject(body.fields)) errors.fields = 'required: an object of field values';
  const owner = body.ownerUserId;
  if (owner !== undefined && !(Number.isSafeInteger(owner) && (owner as number) > 0))
    errors.ownerUserId = 'must be a positive integer';
  if (Object.keys(errors).length > 0) throw new HookflowError('bad_request', 'Bad request body', { ...errors });
  return { fields: body.fields as Record<string, unknown>, ownerUserId: owner as number | undefined };
}

/** `?force=1` (or absent); anything else is a 400 rather than a guess. */
function parseForce(value: unknown): boolean {
  if (value === undefined) return false;
  if (value === '1') return true;
  throw new HookflowError('bad_request', 'force must be 1 when given', { force: 'must be 1 when given' });
}

/** Refuses a write without a JSON content type (415) before anything reads the body. */
const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    next(new HookflowError('unsupported_media_type', 'Send a JSON body with Content-Type: application/json'));
    return;
  }
  next();
};

export interface ApiOptions {
  records: RecordService;
  users: UserService;
  auth: AuthMiddleware;
  logger: HostLogger;
}

/** Mount at `/api`. */
export function createApiRouter({ records, users, auth, logger }: ApiOptions): Router {
  const router = express.Router();
  const jsonBody = express.json({ limit: API_BODY_LIMIT, strict: true });
  router.use(auth.requireApiUser);

  router.get('/me', async (_req, res) => {
    res.json({ user: await users.get(callerOf(res).id) });
  });

  router.patch('/me', requireJson, jsonBody, async (req, res) => {
    const prefs = parseUserPreferences(req.body);
    res.json({ user: await users.setPreferences(callerOf(res).id, prefs) });
  });

  router.get('/modules', async (_req, res) => {
    res.json({ modules: await records.listModules() });
  });

  router.post('/modules', requireJson, jsonBody, async (req, res) => {
    if (!callerOf(res).isAdmin) throw new HookflowError('forbidden', 'Only an admin can define modules');
    res.status(201).json({ module: await records.createModule(req.body) });
  });

  router.patch('/modules/:name', requireJson, jsonBody, async (req, res) => {
    if (!callerOf(res).isAdmin) throw new HookflowError('forbidden', 'Only an admin can change modules');
    res.json({ module: await updateModule(records, param(req.params.name), req.body) });
  });

  router.delete('/modules/:name', async (req, res) => {
    const caller = callerOf(res);
    if (!caller.isAdmin) throw new HookflowError('forbidden', 'Only an admin can delete modules');
    await deleteModule(records, param(req.params.name), { force: parseForce(req.query.force), caller });
    res.status(204).end();
  });

  router.get('/records/:module', async (req, res) => {
    await records.requireModule(param(req.params.module));
    res.json(
      await records.list(param(req.params.module), {
        ...parsePaging(req.query as Record<string, unknown>),
        caller: callerOf(res),
      }),
    );
  });

  router.post('/records/:module', requireJson, jsonBody, async (req, res) => {
    await records.requireModule(param(req.params.module));
    const body = parseBody(req.body, true);
    const caller = callerOf(res);
    const record = await records.create(param(req.params.module), body.fields, {
      actorUserId: caller.id,
      caller,
      ownerUserId: body.ownerUserId,
    });
    res
      .status(201)
      .location(`/api/records/${encodeURIComponent(record.module)}/${record.id}`)
      .json({ record });
  });

  router.get('/records/:module/:id', async (req, res) => {
    await records.requireModule(param(req.params.module));
    res.json({ record: await records.getFor(callerOf(res), param(req.params.module), parseId(param(req.params.id))) });
  });

  router.patch('/records/:module/:id', requireJson, jsonBody, async (req, res) => {
    await records.requireModule(param(req.params.module));
    const id = parseId(param(req.params.id));
    const body = parseBody(req.body, false);
    const caller = callerOf(res);
    res.json({
      record: await records.update(param(req.params.module), id, body.fields, { actorUserId: caller.id, caller }),
    });
  });

  router.delete('/records/:module/:id', async (req, res) => {
    await records.requireModule(param(req.params.module));
    const caller = callerOf(res);
    await records.delete(param(req.params.module), parseId(param(req.params.id)), { actorUserId: caller.id, caller });
    res.status(204).end();
  });

  router.use((req, _res, next) =>
    next(new HookflowError('not_found', `No API route ${req.method} ${req.baseUrl}${req.path}`)),
  );
  router.use(jsonErrorHandler(logger));
  return router;
}
