/**
 * CRM users: the `HostUsers` contract plus what the host's own auth needs (passwords hashed
 * with scrypt, API tokens stored as sha256 only).
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { HookflowError, type HostUser, type HostUsers } from 'hookflow';

const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

/** scrypt cost parameters: N=2^15, r=8, p=1 (OWASP's minimum), 64-byte keys. */
const SCRYPT = { N: 32768, r: 8, p: 1, keylen: 64, maxmem: 64 * 1024 * 1024 };

/**
 * A hash of a random password, computed once: verifying against it when the email is unknown
 * makes "no such user" take as long as "wrong password" (no user enumeration by timing).
 */
let dummyHash: Promise<string> | undefined;

interface UserRow {
  id: number;
  name: string;
  email: string;
  password_hash: string | null;
  active: number | boolean;
  is_admin: number | boolean;
  locale?: string | null;
  time_zone?: string | null;
}

export interface NewUser {
  name: string;
  email: string;
  /** Plain password; omitted = the user cannot log in with a password. */
  password?: string;
  /** Default false. */
  isAdmin?: boolean;
  /** Default true. */
  active?: boolean;
  /** BCP 47 tag, e.g. `de-DE`; default none (English). Checked by parseUserPreferences at the API. */
  locale?: string | null;
  /** IANA id, e.g. `Europe/Berlin`; default none (UTC). */
  timeZone?: string | null;
}

/** What a user may set about themselves; null clears it (back to the default). */
export interface UserPreferences {
  locale?: string | null;
  timeZone?: string | null;
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random API token (`crm_` + 32 random bytes, base64url). */
export function generateToken(): string {
  return `crm_${crypto.randomBytes(32).toString('base64url')}`;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password.normalize('NFKC'), salt, SCRYPT.keylen, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Compares in constant time; a malformed stored hash simply fails. */
export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem };
  const actual = await scrypt(password.normalize('NFKC'), Buffer.from(saltB64, 'base64'), expected.length, options);
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

function toUser(row: UserRow): HostUser {
  return {
    id: Number(row.id),
    name: row.name,
    email: row.email,
    active: Boolean(row.active),
    isAdmin: Boolean(row.is_admin),
    // Only when set: a user without preferences looks as before (Hookflow's defaults apply).
    ...(row.locale ? { locale: row.locale } : {}),
    ...(row.time_zone ? { timeZone: row.time_zone } : {}),
  };
}

const COLUMNS = ['id', 'name', 'email', 'active', 'is_admin', 'locale', 'time_zone'];

export class UserService implements HostUsers {
  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(id: number): Promise<HostUser | null> {
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    const row = await this.db('crm_users').select(COLUMNS).where({ id }).first();
    return row ? toUser(row) : null;
  }

  async getByEmail(email: string): Promise<HostUser | null> {
    const row = await this.db('crm_users').select(COLUMNS).where({ email: email.trim().toLowerCase() }).first();
    return row ? toUser(row) : null;
  }

  async listActiveAdmins(): Promise<HostUser[]> {
    const rows = await this.db('crm_users').select(COLUMNS).where({ active: true, is_admin: true }).orderBy('id');
    return rows.map(toUser);
  }

  async list(): Promise<HostUser[]> {
    return (await this.db('crm_users').select(COLUMNS).orderBy('id')).map(toUser);
  }

  /** Creates a user; a taken email is a 409. */
  async createUser(input: NewUser): Promise<HostUser> {
    const email = input.email.trim().toLowerCase();
    if (await this.getByEmail(email))
      throw new HookflowError('conflict', `a user with email ${email} already exists`, { email: 'already taken' });
    const row = {
      name: input.name,
      email,
      password_hash: input.password === undefined ? null : await hashPassword(input.password),
      active: input.active ?? true,
      is_admin: input.isAdmin ?? false,
      locale: input.locale ?? null,
      time_zone: input.timeZone ?? null,
      created_at: this.now().getTime(),
    };
    const result = await this.db('crm_users').insert(row);
    const id = Number(Array.isArray(result) ? result[0] : result);
    return toUser({ id, ...row });
  }

  /** Sets the given preferences (absent ones stay); returns the user, or null when there is none. */
  async setPreferences(userId: number, prefs: UserPreferences): Promise<HostUser | null> {
    const update: Record<string, string | null> = {};
    if (prefs.locale !== undefined) update.locale = prefs.locale;
    if (prefs.timeZone !== undefined) update.time_zone = prefs.timeZone;
    if (Object.keys(update).length > 0) await this.db('crm_users').where({ id: userId }).update(update);
    return this.get(userId);
  }

  async setPassword(userId: number, password: string): Promise<void> {
    await this.db('crm_users')
      .where({ id: userId })
      .update({ password_hash: await hashPassword(password) });
  }

  /** The active user with this email and password, or null. Takes the same time either way. */
  async verifyPassword(email: string, password: string): Promise<HostUser | null> {
    const row: UserRow | undefined = await this.db('crm_users')
      .select([...COLUMNS, 'password_hash'])
      .where({ email: String(email).trim().toLowerCase() })
      .first();
    dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex'));
    const stored = row?.password_hash ?? (await dummyHash);
    const ok = await checkPassword(String(password), stored);
    return ok && row && row.password_hash && Boolean(row.active) ? toUser(row) : null;
  }

  /** Sets (or replaces) the user's API token; returns the plain token, which is never stored. */
  async setApiToken(userId: number, token: string = generateToken()): Promise<string> {
    await this.db('crm_users')
      .where({ id: userId })
      .update({ api_token_hash: hashToken(token) });
    return token;
  }

  async clearApiToken(userId: number): Promise<void> {
    await this.db('crm_users').where({ id: userId }).update({ api_token_hash: null });
  }

  /** The active user holding this token, or null. The lookup is by hash, so no timing leak. */
  async findByToken(token: string): Promise<HostUser | null> {
    if (!token) return null;
    const row = await this.db('crm_users')
      .select(COLUMNS)
      .where({ api_token_hash: hashToken(token) })
      .first();
    return row && Boolean(row.active) ? toUser(row) : null;
  }
}
