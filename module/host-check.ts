/**
 * Checks a `HostContext` at `install()`, before anything is created: a host that forgot a member
 * (`records.get`), passed something that is not knex as `db`, or runs a database Hookflow does not
 * support gets ONE error naming every problem — never a crash on the first record save hours later.
 * PURE apart from calling `host.now()` once (to see that it returns a valid Date).
 */
import { HookflowError, type FieldErrors } from './errors.js';
import { driverOf, SUPPORTED_DRIVERS } from './storage/engine.js';

type Shape = Record<string, readonly string[]>;

/** Members that must be functions, per member object of the contract. */
const FUNCTIONS: Shape = {
  records: ['listModules', 'get', 'create', 'update', 'delete'],
  users: ['get', 'listActiveAdmins', 'list'],
  mailer: ['sendMail'],
  logger: ['debug', 'info', 'warn', 'error'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function checkMembers(host: Record<string, unknown>, problems: FieldErrors): void {
  for (const [member, fns] of Object.entries(FUNCTIONS)) {
    const value = host[member];
    if (!isObject(value)) {
      problems[member] = 'is missing (must be an object)';
      continue;
    }
    for (const fn of fns)
      if (typeof value[fn] !== 'function') problems[`${member}.${fn}`] = 'is missing (must be a function)';
  }
  // Optional: absent only turns off backfill and cron-over-records, but not a non-function.
  const records = host.records;
  if (isObject(records) && records.listAfter !== undefined && typeof records.listAfter !== 'function')
    problems['records.listAfter'] = 'must be a function (module, { afterId, limit }) => records, or left out';
}

function checkDb(db: unknown, problems: FieldErrors): void {
  const looksLikeKnex =
    typeof db === 'function' &&
    typeof (db as { transaction?: unknown }).transaction === 'function' &&
    isObject((db as { client?: unknown }).client);
  if (!looksLikeKnex) {
    problems.db = 'must be a knex instance (the host\'s own, e.g. knex({ client: "mysql2", ... }))';
    return;
  }
  const driver = driverOf(db as never);
  if (!Object.hasOwn(SUPPORTED_DRIVERS, driver)) {
    problems.db = `uses the knex client "${driver}", which Hookflow does not support; use ${Object.keys(SUPPORTED_DRIVERS).join(' or ')}`;
  }
}

function checkScalars(host: Record<string, unknown>, problems: FieldErrors): void {
  if (typeof host.attachHooks !== 'function')
    problems.attachHooks = 'is missing (must be a function that keeps the hooks your record writes call)';
  if (typeof host.requireAdmin !== 'function')
    problems.requireAdmin = 'is missing (must be express middleware that lets only admins through)';
  if (typeof host.mailFrom !== 'string' || host.mailFrom.trim() === '')
    problems.mailFrom = "is missing (the sender address of Hookflow's mails)";
  if (typeof host.now !== 'function') problems.now = 'is missing (must be a function returning the current Date)';
  else {
    const now: unknown = (host.now as () => unknown)();
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) problems.now = 'must return a valid Date';
  }
  // Optional: absent is fine (owners' alert mails then carry no link), but not a non-function.
  if (host.recordUrl !== undefined && typeof host.recordUrl !== 'function')
    problems.recordUrl = 'must be a function (module, recordId) => URL of the record page, or left out';
  let base: URL | null = null;
  try {
    base = typeof host.baseUrl === 'string' ? new URL(host.baseUrl) : null;
  } catch {
    base = null;
  }
  if (!base || !['http:', 'https:'].includes(base.protocol))
    problems.baseUrl = "must be the host's public http(s) URL, e.g. https://crm.example";
}

/** Every problem with `host`, by member path (`records.get` → "is missing …"); empty when it is fine. */
export function hostContextProblems(host: unknown): FieldErrors {
  if (!isObject(host)) return { host: 'must be an object implementing HostContext' };
  const problems: FieldErrors = {};
  checkDb(host.db, problems);
  checkMembers(host, problems);
  checkScalars(host, problems);
  return problems;
}

/** Throws one `bad_request` naming every problem, e.g. "Hookflow install: host.records.get is missing …". */
export function assertHostContext(host: unknown): void {
  const problems = hostContextProblems(host);
  const entries = Object.entries(problems);
  if (entries.length === 0) return;
  const list = entries.map(([member, problem]) => `host.${member} ${problem}`).join('; ');
  throw new HookflowError('bad_request', `Hookflow install: the HostContext is incomplete: ${list}`, problems);
}
