/**
 * A real world for run-failure alert tests: a real SMTP peer, a nodemailer transport to it as
 * the host's mailer, a receiver that answers 500, and a test host (the reference CRM's records
 * and users, the real Hookflow install, worker drained by hand) with two active admins (Ada,
 * Bob), a non-admin owner (Sam) and an inactive admin (Ina). `recordUrl` is the host's optional
 * record page (left out when the test says so).
 */
import nodemailer from 'nodemailer';
import type { Knex } from 'knex';
import { install, type InstalledHookflow } from '../../../module/index.js';
import type { HostUser } from '../../../module/host.js';
import type { WorkflowInput } from '../../../module/workflows/model.js';
import { createTestContext, TEST_SECRET_KEY, type TestContext } from '../../helpers/test-host.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';
import { startReceiver } from './alert-fixture.js';

type TaskInput = NonNullable<WorkflowInput['tasks']>[number];

export const ADMIN_URL = 'http://crm.test/settings/hookflow';
export const recordUrlOf = (module: string, id: number) => `http://crm.test/records/${module}/${id}`;

export interface RunAlertWorld extends TestContext {
  hookflow: InstalledHookflow;
  smtp: ReturnType<typeof startSmtpSink>;
  rxPort: number;
  bob: HostUser;
  db: Knex;
  close(): Promise<void>;
}

export async function createRunAlertWorld(db: Knex, opts: { recordUrl?: boolean } = {}): Promise<RunAlertWorld> {
  const smtp = startSmtpSink();
  const smtpPort = await smtp.start();
  const rx = startReceiver(() => 500);
  const rxPort = await rx.listen();
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 3000,
    greetingTimeout: 3000,
    socketTimeout: 5000,
  });
  const t = await createTestContext(db, { mailer: transport });
  if (opts.recordUrl ?? true) t.context.recordUrl = recordUrlOf;
  const hookflow = await install(t.context, {
    secretKey: TEST_SECRET_KEY,
    startWorker: false,
    settings: { outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [1], retryJitter: 0 },
  });
  const bob = await t.users.createUser({ name: 'Bob Boss', email: 'bob@example.com', isAdmin: true });
  await t.users.createUser({ name: 'Ina Gone', email: 'ina@example.com', isAdmin: true, active: false });
  return {
    ...t,
    hookflow,
    smtp,
    rxPort,
    bob,
    db,
    async close() {
      await hookflow.uninstall();
      transport.close();
      await smtp.stop();
      await rx.close();
    },
  };
}

/** A create_record task whose Lead email is the deal's title: a title that is no address is refused. */
export const refusedLeadTask = (title = 'Create the lead'): TaskInput => ({
  type: 'create_record',
  title,
  options: {
    module: 'Leads',
    fields: [
      { field: 'lastname', value: 'Lead of {{record.id}}' },
      { field: 'email', value: '{{record.title}}' },
    ],
  },
});

/**
 * An active Deals workflow (record.created) with `tasks`; earlier tests' workflows are made
 * inactive first, so a new deal starts only this one.
 */
export async function createDealWorkflow(
  w: RunAlertWorld,
  title: string,
  tasks: TaskInput[],
): Promise<{ workflowId: number; taskIds: number[] }> {
  await w.db('hookflow_workflows').update({ status: 'inactive' });
  const wf = await w.hookflow.services.workflows.create(
    { module: 'Deals', title, status: 'active', trigger: 'record.created', tasks },
    w.admin.id,
  );
  return { workflowId: wf.id, taskIds: wf.tasks.map((t) => t.id) };
}

/** A deal owned by `owner` (its creator). */
export const dealOf = (w: RunAlertWorld, owner: HostUser, title: string) =>
  w.records.create('Deals', { title }, { actorUserId: owner.id });

/** Drains the worker, making delivery retries due, until nothing of the workflow is queued. */
export async function drainAll(w: RunAlertWorld, workflowId: number): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await w.hookflow.worker.drain();
    const queued = await w
      .db('hookflow_deliveries')
      .where({ workflow_id: workflowId, status: 'queued' })
      .update({ next_attempt_at: 0 });
    if (queued === 0) return;
  }
  throw new Error('deliveries did not finish');
}

/** The run alerts of a workflow, oldest first. */
export const runAlertsOf = (w: RunAlertWorld, workflowId: number) =>
  w.db('hookflow_alerts').whereNotNull('run_id').where({ workflow_id: workflowId }).orderBy('id');

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&#x3D;': '=',
  '&#x27;': "'",
  '&quot;': '"',
  '&lt;': '<',
  '&gt;': '>',
  '&#x60;': '`',
};

/** Every link (href) in an HTML mail, unescaped. */
export const hrefsOf = (html: string) =>
  [...html.matchAll(/href="([^"]*)"/g)].map((m) =>
    m[1].replace(/&(?:amp|#x3D|#x27|quot|lt|gt|#x60);/g, (e) => ENTITIES[e]),
  );
