/**
 * A real world for failure-alert tests: a real SMTP peer (test/helpers/smtp-sink.ts), a
 * nodemailer transport to it as the host's mailer, an HTTP receiver that answers what the test
 * says, and a test host with a few users.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import type { Knex } from 'knex';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';
import type { HostUser } from '../../../module/host.js';

/** An HTTP receiver on 127.0.0.1:0 answering `status(path)`. */
export function startReceiver(status: (path: string) => number) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status(req.url ?? '/')).end('nope'));
  });
  return {
    async listen(): Promise<number> {
      server.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      return (server.address() as AddressInfo).port;
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface AlertWorld {
  h: TestHost;
  smtp: ReturnType<typeof startSmtpSink>;
  rxPort: number;
  bob: HostUser;
  inactiveAdmin: HostUser;
  close(): Promise<void>;
}

/** Receiver paths starting `/gone` answer 410, all others 500. */
export async function createAlertWorld(db: Knex): Promise<AlertWorld> {
  const smtp = startSmtpSink();
  const smtpPort = await smtp.start();
  const rx = startReceiver((p) => (p.startsWith('/gone') ? 410 : 500));
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
  // These tests fail deliveries to one receiver on purpose, many times: it must never be held for
  // it (holding a failing destination is tested in outbound/destination-hold.test.ts).
  const h = await createTestHost(db, {
    mailer: transport,
    settings: {
      outboundAllowlist: ['127.0.0.1/32'],
      retrySchedule: [1],
      retryJitter: 0,
      destinationPauseAfterFailures: 0,
    },
  });
  const bob = await h.users.createUser({ name: 'Bob Boss', email: 'bob@example.com', isAdmin: true });
  const inactiveAdmin = await h.users.createUser({
    name: 'Ina Gone',
    email: 'ina@example.com',
    isAdmin: true,
    active: false,
  });
  return {
    h,
    smtp,
    rxPort,
    bob,
    inactiveAdmin,
    async close() {
      await h.close();
      transport.close();
      await smtp.stop();
      await rx.close();
    },
  };
}

/**
 * An active workflow on Deals (record.created) with one webhook task to `path` on the receiver.
 * Earlier tests' workflows are deactivated first, so a new deal starts only this one.
 */
export async function createWebhookWorkflow(
  w: AlertWorld,
  title: string,
  path: string,
): Promise<{ workflowId: number; taskId: number; url: string }> {
  await w.h.context.db('hookflow_workflows').update({ status: 'inactive' });
  const url = `http://127.0.0.1:${w.rxPort}${path}`;
  const wf = await w.h.hookflow.services.workflows.create(
    {
      module: 'Deals',
      title,
      status: 'active',
      trigger: 'record.created',
      tasks: [
        {
          type: 'webhook',
          title: `${title} hook`,
          options: { url, params: [{ name: 'title', value: '{{record.title}}' }] },
        },
      ],
    },
    w.h.admin.id,
  );
  return { workflowId: wf.id, taskId: wf.tasks[0].id, url };
}

/** Drains the worker, making retries due, until no delivery of the workflow is queued any more. */
export async function failAll(w: AlertWorld, workflowId: number): Promise<void> {
  const db = w.h.context.db;
  for (let i = 0; i < 5; i++) {
    await w.h.hookflow.worker.drain();
    const queued = await db('hookflow_deliveries')
      .where({ workflow_id: workflowId, status: 'queued' })
      .update({ next_attempt_at: 0 });
    if (queued === 0) return;
  }
  throw new Error('deliveries did not finish');
}
