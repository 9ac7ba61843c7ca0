/**
 * The reference host's configuration, read from environment variables and checked with zod.
 *
 * Every variable is optional; an empty string counts as unset (so `FOO=` in a .env file or a
 * compose file falls back to the default instead of failing). A bad value throws a
 * `HostConfigError` whose one-line message starts with the variable name; the CLI prints
 * `message` only.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseDatabaseUrl, type DatabaseTarget } from './db.js';

export class HostConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostConfigError';
  }
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface HostConfig {
  /** DATABASE_URL as given. Default `sqlite:data/hookflow.sqlite`. */
  databaseUrl: string;
  /** DATABASE_URL parsed. */
  database: DatabaseTarget;
  /** PORT, 0-65535 (0 = any free port). Default 3000. */
  port: number;
  /**
   * HOST: interface to listen on. Default `127.0.0.1` so a demo started on a laptop is not
   * reachable from the network; set `0.0.0.0` in a container.
   */
  host: string;
  /** BASE_URL: public URL for links in mails, without trailing slash. Default `http://localhost:<PORT>`. */
  baseUrl: string;
  /** HOOKFLOW_DATA_DIR: where generated keys, credentials and .eml files go. Default `data`. */
  dataDir: string;
  /**
   * HOOKFLOW_SECRET_KEY: 32 bytes as 64 hex characters or base64. Default: generated once into
   * `<dataDir>/secret.key` (mode 600) and reused on every start.
   */
  secretKey: string;
  /** SMTP_URL (smtp:// or smtps://). Default none: mail is written to `.eml` files in `<dataDir>/mail/`. */
  smtpUrl?: string;
  /** MAIL_FROM: sender of Hookflow's mails. Default `"Hookflow" <hookflow@localhost>`. */
  mailFrom: string;
  /** HOOKFLOW_DEMO_ADMIN_PASSWORD. Default: generated once, stored in `<dataDir>/demo-credentials.json`. */
  demoAdminPassword?: string;
  /** HOOKFLOW_DEMO_ADMIN_TOKEN. Default: generated once, stored in `<dataDir>/demo-credentials.json`. */
  demoAdminToken?: string;
  /** HOOKFLOW_IN_PROCESS_WORKER: run the delivery worker inside the web process. Default true. */
  inProcessWorker: boolean;
  /** LOG_LEVEL: pino level. Default `info`. */
  logLevel: LogLevel;
}

type Env = Record<string, string | undefined>;

const portSchema = z
  .string()
  .regex(/^\d{1,5}$/, 'must be an integer from 0 to 65535')
  .transform(Number)
  .refine((n) => n <= 65535, 'must be an integer from 0 to 65535');

const urlSchema = (protocols: string[], hint: string) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, hint);

const booleanSchema = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .refine((s) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(s), 'must be true or false')
  .transform((s) => ['true', '1', 'yes', 'on'].includes(s));

const secretKeySchema = z.string().refine(isValidSecretKey, 'must be 32 bytes as 64 hex characters or base64');

const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  error: 'must be one of fatal, error, warn, info, debug, trace, silent',
});

/** True for 64 hex characters or base64 that decodes to exactly 32 bytes. */
export function isValidSecretKey(value: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return true;
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === 32;
}

/** Drops trailing `/`s by index: `/\/+$/` backtracks quadratically on a long run of slashes not at the end. */
function trimTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}

/** Reads one variable through its schema; '' and unset both mean "use the default". */
function read<T>(env: Env, name: string, schema: z.ZodType<T, string>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new HostConfigError(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid value'}`);
  return parsed.data;
}

function readDatabase(env: Env): { databaseUrl: string; database: DatabaseTarget } {
  const databaseUrl = env.DATABASE_URL || 'sqlite:data/hookflow.sqlite';
  try {
    return { databaseUrl, database: parseDatabaseUrl(databaseUrl) };
  } catch (err) {
    // parseDatabaseUrl already words its errors as "DATABASE_URL: ..."; keep them one line.
    throw new HostConfigError((err as Error).message);
  }
}

/**
 * Loads and checks the host configuration. Everything is validated before anything is
 * written, so a bad variable never leaves a half-created data directory behind.
 */
export function loadHostConfig(env: Env = process.env): HostConfig {
  const { databaseUrl, database } = readDatabase(env);
  const port = read(env, 'PORT', portSchema) ?? 3000;
  const host =
    read(env, 'HOST', z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address')) ?? '127.0.0.1';
  const baseUrl = trimTrailingSlashes(
    read(env, 'BASE_URL', urlSchema(['http:', 'https:'], 'must be an http:// or https:// URL')) ??
      `http://localhost:${port}`,
  );
  const dataDir = read(env, 'HOOKFLOW_DATA_DIR', z.string()) ?? 'data';
  const explicitKey = read(env, 'HOOKFLOW_SECRET_KEY', secretKeySchema);
  const smtpUrl = read(env, 'SMTP_URL', urlSchema(['smtp:', 'smtps:'], 'must be an smtp:// or smtps:// URL'));
  const mailFrom =
    read(env, 'MAIL_FROM', z.string().max(300, 'must be at most 300 characters')) ?? '"Hookflow" <hookflow@localhost>';
  const demoAdminPassword = read(
    env,
    'HOOKFLOW_DEMO_ADMIN_PASSWORD',
    z.string().min(8, 'must be at least 8 characters'),
  );
  const demoAdminToken = read(env, 'HOOKFLOW_DEMO_ADMIN_TOKEN', z.string().min(20, 'must be at least 20 characters'));
  const inProcessWorker = read(env, 'HOOKFLOW_IN_PROCESS_WORKER', booleanSchema) ?? true;
  const logLevel = read(env, 'LOG_LEVEL', logLevelSchema) ?? 'info';
  const secretKey = explicitKey ?? loadOrCreateSecretKey(dataDir);
  return {
    databaseUrl,
    database,
    port,
    host,
    baseUrl,
    dataDir,
    secretKey,
    smtpUrl,
    mailFrom,
    demoAdminPassword,
    demoAdminToken,
    inProcessWorker,
    logLevel,
  };
}

/**
 * Reads `<dataDir>/secret.key`, creating it (mode 600) on first use. The key encrypts webhook
 * credentials at rest, so it must survive restarts: losing it makes stored secrets unreadable.
 */
export function loadOrCreateSecretKey(dataDir: string): string {
  const file = path.join(dataDir, 'secret.key');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (!isValidSecretKey(existing))
      throw new HostConfigError(`HOOKFLOW_SECRET_KEY: ${file} does not hold 32 bytes as 64 hex characters`);
    return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw asConfigError(err, file);
  }
  const key = crypto.randomBytes(32).toString('hex');
  try {
    // Owner-only: the folder holds the key, demo credentials, the SQLite files and mails.
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // 'wx' refuses to overwrite a key another process wrote in the meantime.
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecretKey(dataDir);
    throw asConfigError(err, file);
  }
}

function asConfigError(err: unknown, file: string): HostConfigError {
  if (err instanceof HostConfigError) return err;
  return new HostConfigError(`HOOKFLOW_DATA_DIR: cannot use ${file}: ${(err as Error).message}`);
}
