/**
 * A reference host without HTTP, on a test database: real records and users services, the
 * real Hookflow install (worker not started; tests call worker.drain()), mail captured.
 */
import type { Knex } from 'knex';
import { install, type InstalledHookflow } from '../../module/index.js';
import type { HostContext, HostLogger, HostMailer, HostUser } from '../../module/host.js';
import type { HookflowSettingsPatch } from '../../module/config.js';
import { RecordService } from '../../host/records.js';
import { UserService } from '../../host/users.js';
import { migrateHost } from '../../host/schema.js';

export const TEST_SECRET_KEY = 'a'.repeat(64);

export interface LogEntry {
  level: string;
  obj: object;
  msg?: string;
}

export function createMemoryLogger(entries: LogEntry[] = []): HostLogger & { entries: LogEntry[] } {
  const log = (level: string) => (obj: object, msg?: string) => {
    entries.push({ level, obj, msg });
  };
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export interface CapturedMail {
  to: string | string[];
  subject: string;
  text?: string;
  html?: string;
  from?: string;
}

export interface TestHost {
  context: HostContext;
  records: RecordService;
  users: UserService;
  hookflow: InstalledHookflow;
  admin: HostUser;
  sales: HostUser;
  mails: CapturedMail[];
  logger: ReturnType<typeof createMemoryLogger>;
  close(): Promise<void>;
}

export interface TestHostOptions {
  settings?: HookflowSettingsPatch;
  startWorker?: boolean;
  now?: () => Date;
  mailer?: HostMailer;
  /** install option configCheckMs (how stale the in-memory workflows and permissions may be). Default install's. */
  configCheckMs?: number;
}

export type TestContext = Omit<TestHost, 'hookflow' | 'close'>;

/** The host side only (migrated host tables, users, a HostContext): Hookflow is not installed. */
export async function createTestContext(db: Knex, opts: TestHostOptions = {}): Promise<TestContext> {
  await migrateHost(db);
  const now = opts.now ?? (() => new Date());
  const records = new RecordService(db, now);
  const users = new UserService(db, now);
  const admin =
    (await users.getByEmail('admin@example.com')) ??
    (await users.createUser({ name: 'Ada Admin', email: 'admin@example.com', isAdmin: true }));
  const sales =
    (await users.getByEmail('sam@example.com')) ??
    (await users.createUser({ name: 'Sam Sales', email: 'sam@example.com' }));
  const mails: CapturedMail[] = [];
  const logger = createMemoryLogger();
  const context: HostContext = {
    db,
    records,
    users,
    logger,
    now,
    mailer: opts.mailer ?? {
      async sendMail(m) {
        mails.push(m);
        return { messageId: `m${mails.length}` };
      },
    },
    mailFrom: '"Hookflow test" <hookflow@example.com>',
    requireAdmin: (_req, res, next) => {
      res.locals.user = admin;
      next();
    },
    baseUrl: 'http://crm.test',
    attachHooks: (hooks) => records.setHooks(hooks),
  };
  return { context, records, users, admin, sales, mails, logger };
}

export async function createTestHost(db: Knex, opts: TestHostOptions = {}): Promise<TestHost> {
  const host = await createTestContext(db, opts);
  const hookflow = await install(host.context, {
    secretKey: TEST_SECRET_KEY,
    startWorker: opts.startWorker ?? false,
    settings: opts.settings,
    configCheckMs: opts.configCheckMs,
  });
  return {
    ...host,
    hookflow,
    async close() {
      await hookflow.uninstall();
    },
  };
}
