/**
 * Demo data for `npm start`: an admin, a sales user and a few records. Idempotent: users are
 * created once, records only on the start that created the users, and credentials are stable
 * across restarts (from the environment, else generated once into a mode-600 file).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HostUser } from 'hookflow';
import type { RecordService } from './records.js';
import { generateToken, type UserService } from './users.js';

export const DEMO_ADMIN = { email: 'admin@example.com', name: 'Ada Admin' } as const;
export const DEMO_SALES = { email: 'sam@example.com', name: 'Sam Sales' } as const;

export interface UserCredentials {
  email: string;
  name: string;
  password: string;
  token: string;
}

export interface DemoCredentials {
  admin: UserCredentials;
  sales: UserCredentials;
}

export interface SeedDemoOptions {
  users: UserService;
  records: RecordService;
  /** Where `demo-credentials.json` is kept. */
  dataDir: string;
  /** HOOKFLOW_DEMO_ADMIN_PASSWORD. Default: generated once and stored. */
  adminPassword?: string;
  /** HOOKFLOW_DEMO_ADMIN_TOKEN. Default: generated once and stored. */
  adminToken?: string;
}

export interface SeedResult {
  credentials: DemoCredentials;
  admin: HostUser;
  sales: HostUser;
  /** True on the start that created the demo users and records. */
  created: boolean;
  /** Where generated credentials are stored. */
  credentialsFile: string;
}

type Stored = Partial<Record<'admin' | 'sales', { password?: string; token?: string }>>;

function readStored(file: string): Stored {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`${file}: ${(err as Error).message}; delete it to generate new demo credentials`);
  }
}

/** Env values win; otherwise reuse what was generated before; otherwise generate and store. */
function resolveCredentials(opts: SeedDemoOptions, file: string): DemoCredentials {
  const stored = readStored(file);
  const password = () => crypto.randomBytes(12).toString('base64url');
  const next: Stored = {
    // Generate only what the environment does not provide, so the file never holds unused secrets.
    admin: {
      password: stored.admin?.password ?? (opts.adminPassword ? undefined : password()),
      token: stored.admin?.token ?? (opts.adminToken ? undefined : generateToken()),
    },
    sales: { password: stored.sales?.password ?? password(), token: stored.sales?.token ?? generateToken() },
  };
  if (JSON.stringify(next) !== JSON.stringify(stored)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600); // writeFileSync's mode only applies when it creates the file
  }
  return {
    admin: {
      ...DEMO_ADMIN,
      password: opts.adminPassword ?? next.admin!.password!,
      token: opts.adminToken ?? next.admin!.token!,
    },
    sales: { ...DEMO_SALES, password: next.sales!.password!, token: next.sales!.token! },
  };
}

/** Finds or creates the user, then makes its password and token match the credentials. */
async function ensureUser(
  users: UserService,
  creds: UserCredentials,
  isAdmin: boolean,
): Promise<{ user: HostUser; created: boolean }> {
  const existing = await users.getByEmail(creds.email);
  const user =
    existing ?? (await users.createUser({ name: creds.name, email: creds.email, password: creds.password, isAdmin }));
  if (existing) await users.setPassword(user.id, creds.password);
  await users.setApiToken(user.id, creds.token);
  return { user, created: !existing };
}

async function seedRecords(records: RecordService, admin: HostUser, sales: HostUser): Promise<void> {
  const as = (user: HostUser) => ({ actorUserId: user.id, ownerUserId: user.id });
  const acme = await records.create(
    'Accounts',
    {
      name: 'Acme Corp',
      website: 'https://acme.example',
      industry: 'Manufacturing',
      phone: '+1 555 0100',
      city: 'Springfield',
    },
    as(admin),
  );
  const globex = await records.create(
    'Accounts',
    {
      name: 'Globex',
      website: 'https://globex.example',
      industry: 'Energy',
      phone: '+1 555 0200',
      city: 'Cypress Creek',
    },
    as(sales),
  );
  const wile = await records.create(
    'Contacts',
    { firstname: 'Wile', lastname: 'Coyote', email: 'wile@acme.example', phone: '+1 555 0101', account_id: acme.id },
    as(admin),
  );
  const hank = await records.create(
    'Contacts',
    {
      firstname: 'Hank',
      lastname: 'Scorpio',
      email: 'hank@globex.example',
      phone: '+1 555 0201',
      account_id: globex.id,
    },
    as(sales),
  );
  await records.create(
    'Deals',
    {
      title: 'Acme rocket skates',
      amount: 12000,
      currency: 'USD',
      stage: 'Proposal',
      close_date: '2026-03-31',
      account_id: acme.id,
      contact_id: wile.id,
    },
    as(admin),
  );
  await records.create(
    'Deals',
    {
      title: 'Globex doomsday device service',
      amount: 250000,
      currency: 'USD',
      stage: 'Negotiation',
      close_date: '2026-06-30',
      account_id: globex.id,
      contact_id: hank.id,
    },
    as(sales),
  );
  await records.create(
    'Deals',
    {
      title: 'Acme anvil subscription',
      amount: 4800,
      currency: 'EUR',
      stage: 'Prospecting',
      account_id: acme.id,
      contact_id: wile.id,
    },
    as(sales),
  );
  await records.create(
    'Leads',
    {
      firstname: 'Marge',
      lastname: 'Bouvier',
      company: 'Kwik-E-Mart',
      email: 'marge@example.com',
      city: 'Springfield',
      status: 'New',
      source: 'Web form',
    },
    as(sales),
  );
  await records.create(
    'Leads',
    {
      firstname: 'Frank',
      lastname: 'Grimes',
      company: 'Power Plant',
      email: 'frank@example.com',
      city: 'Springfield',
      status: 'Contacted',
      source: 'Trade show',
    },
    as(admin),
  );
}

/** Seeds the demo users and records; safe to call on every start. */
export async function seedDemo(opts: SeedDemoOptions): Promise<SeedResult> {
  const credentialsFile = path.join(opts.dataDir, 'demo-credentials.json');
  const credentials = resolveCredentials(opts, credentialsFile);
  const admin = await ensureUser(opts.users, credentials.admin, true);
  const sales = await ensureUser(opts.users, credentials.sales, false);
  // Records only with fresh users: a restart must not re-create records someone deleted.
  const created = admin.created || sales.created;
  if (admin.created) await seedRecords(opts.records, admin.user, sales.user);
  return { credentials, admin: admin.user, sales: sales.user, created, credentialsFile };
}
