/**
 * The reference host's real services on a bench database: records, users, migrations and the
 * real Hookflow install (worker not started; the scenarios start and stop it). Logs and mail go
 * nowhere, so they cost nothing that a production host would not also pay differently.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { install, type InstalledHookflow } from '../../module/index.js';
import type { HostContext, HostLogger, HostUser } from '../../module/host.js';
import type { HookflowSettingsPatch } from '../../module/config.js';
import { RecordService } from '../../host/records.js';
import { UserService } from '../../host/users.js';
import { migrateHost } from '../../host/schema.js';

export interface BenchHost {
  records: RecordService;
  hookflow: InstalledHookflow;
  admin: HostUser;
  close(): Promise<void>;
}

const silent: HostLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * `secretKey`: default a random one. Worker processes started on the same database must use the
 * same key (install refuses a key the database's secrets were not sealed with).
 */
export async function createBenchHost(
  db: Knex,
  settings: HookflowSettingsPatch,
  secretKey = randomBytes(32).toString('hex'),
): Promise<BenchHost> {
  await migrateHost(db);
  const now = () => new Date();
  const records = new RecordService(db, now);
  const users = new UserService(db, now);
  const admin =
    (await users.getByEmail('bench@example.com')) ??
    (await users.createUser({ name: 'Bench Admin', email: 'bench@example.com', isAdmin: true }));
  const context: HostContext = {
    db,
    records,
    users,
    logger: silent,
    now,
    mailer: {
      async sendMail() {
        return { messageId: 'bench' };
      },
    },
    mailFrom: '"Hookflow bench" <bench@example.com>',
    requireAdmin: (_req, res, next) => {
      res.locals.user = admin;
      next();
    },
    baseUrl: 'http://crm.bench',
    attachHooks: (hooks) => records.setHooks(hooks),
  };
  const hookflow = await install(context, { secretKey, startWorker: false, settings });
  return {
    records,
    hookflow,
    admin,
    async close() {
      await hookflow.uninstall();
    },
  };
}

/** An active workflow on Deals whose webhook task posts each update to `url`; returns its ids. */
export async function createWebhookWorkflow(
  host: BenchHost,
  url: string,
): Promise<{ workflowId: number; taskId: number }> {
  const wf = await host.hookflow.services.workflows.create(
    {
      module: 'Deals',
      title: `bench ${url}`,
      status: 'active',
      trigger: 'record.updated',
      tasks: [
        {
          type: 'webhook',
          title: 'notify',
          options: {
            url,
            params: [
              { name: 'deal.id', value: '{{record.id}}' },
              { name: 'deal.title', value: '{{record.title}}' },
            ],
          },
        },
      ],
    },
    host.admin.id,
  );
  return { workflowId: wf.id, taskId: wf.tasks[0].id };
}
