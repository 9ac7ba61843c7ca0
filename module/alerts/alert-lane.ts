/**
 * The worker lane that mails failure alerts. An item is one group of leased alerts: one
 * webhook's failed deliveries, or one workflow's failed runs (one alert per failure). For each
 * group: wait if its throttle window is open (the group then goes out as one digest when it
 * ends), else mail every recipient once with the failures that concern them, note each accepted
 * mail at once, and mark the group sent when nobody is left. A failed send leaves the alerts
 * pending with a backed-off due time; the deliveries' and runs' own status is never touched here.
 *
 * Each mail is sent under the lease heartbeat (module/storage/lease-heartbeat.ts: a timer renews
 * the group's lease while the SMTP server has not answered, so a server slower than the lease
 * never lets another worker claim the group and mail the same people again) and under
 * `mailTimeoutMs`. A lost lease stops the group at once: no further mail, nothing recorded (the
 * new holder mails whoever is left). A mail past `mailTimeoutMs` counts as a failed send ("timed
 * out after … ms (mailTimeoutMs)") and is retried later with backoff. The host's mailer takes no
 * cancel signal, so this is at-least-once: a mail the SMTP server accepts after our timeout (or
 * after the lease was lost) is not recorded and may be sent again on the retry.
 */
import type { Knex } from 'knex';
import type { HostContext, HostLogger } from '../host.js';
import type { HookflowSettings } from '../config.js';
import type { WorkflowStore } from '../workflows/store.js';
import type { WorkerLane } from '../worker.js';
import { dbNowMs } from '../storage/engine.js';
import { isLeaseLost, withLeaseHeartbeat, type LeaseTimers } from '../storage/lease-heartbeat.js';
import { runWithinDeadline } from '../workflows/task-deadline.js';
import {
  alertGroupOf,
  decideThrottle,
  groupKeyText,
  mailRetryDelayMs,
  planRecipientMails,
  type PlannedMail,
} from './alert-digest.js';
import { createAlertMailRenderer, type AlertMailRenderer } from './alert-mail.js';
import { loadAlertGroup, type LoadedGroup } from './alert-facts.js';
import { composeAlertMail, failuresIn } from './alert-compose.js';
import { loadRunAlertGroup } from './run-alert-facts.js';
import {
  alreadyMailed,
  claimAlertGroups,
  deferAlerts,
  lastMailAt,
  markAlertsSent,
  markSendFailed,
  recordMailed,
  renewAlertLease,
  type AlertRow,
} from './alert-queue.js';

export interface AlertLaneDeps {
  db: Knex;
  host: HostContext;
  store: WorkflowStore;
  settings(): HookflowSettings;
  logger: HostLogger;
  workerId: string;
  /** Absolute URL of the admin pages (admins' links point into the webhook and run logs). */
  adminUrl: string;
  /** Renders the mails. Default: `views/emails/failure-alert.*.hbs` and `run-failure-alert.*.hbs`. */
  renderer?: AlertMailRenderer;
  /** Wait before the n-th retry of a failed send, ms. Default 1, 5, 15, then 60 minutes. */
  retryDelayMs?: (failedSends: number) => number;
  /** Timers of the lease heartbeat. Default the real ones (tests drive them by hand). */
  leaseTimers?: LeaseTimers;
}

interface SendOutcome {
  failed: Array<{ userIds: number[]; error: string }>;
  leaseLost: boolean;
}

// Error text for logs and last_error: the SMTP reply or socket error, never the message body.
function errorText(err: unknown): string {
  const e = err as { message?: string; responseCode?: number; code?: string };
  return [e?.code, e?.responseCode, e?.message ?? String(err)]
    .filter((x) => x !== undefined && x !== '')
    .join(' ')
    .slice(0, 500);
}

// One claim leased the whole group, under one token; an unleased row never matches a lease check.
const leaseOwnerOf = (rows: AlertRow[]): string => rows[0]?.leaseOwner ?? '';

export function createAlertLane(deps: AlertLaneDeps): WorkerLane<AlertRow[]> {
  const { db, host, logger, workerId } = deps;
  const renderer = deps.renderer ?? createAlertMailRenderer();
  const retryDelay = deps.retryDelayMs ?? mailRetryDelayMs;
  const adminUrl = deps.adminUrl.replace(/\/+$/, '');
  const leaseSeconds = () => deps.settings().leaseSeconds;

  async function sendOne(group: LoadedGroup, mail: PlannedMail, signal: AbortSignal): Promise<void> {
    const { subject, html, text } = composeAlertMail(group, mail, adminUrl, renderer, logger);
    signal.throwIfAborted();
    await host.mailer.sendMail({
      from: host.mailFrom,
      to: mail.address,
      subject,
      text,
      html,
      // RFC 3834: an automatic mail; asks auto-responders (vacation replies) to stay quiet.
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    });
  }

  // While the SMTP server has not answered, a timer keeps the group's lease (every alert of it).
  function underLease<T>(ids: number[], owner: string, work: (lease: AbortSignal) => Promise<T>): Promise<T> {
    const seconds = leaseSeconds();
    const heartbeat = {
      renew: () => renewAlertLease(db, ids, owner, seconds),
      leaseMs: seconds * 1000,
      timers: deps.leaseTimers,
      onRenewError: (err: unknown) =>
        logger.warn({ alertIds: ids, err: errorText(err) }, 'alert lease could not be renewed; trying again'),
    };
    return withLeaseHeartbeat(heartbeat, work);
  }

  // One mail at a time, each noted as soon as the server accepted it, so a crash or a later
  // failure never makes a retry mail the same address about the same delivery again.
  async function sendAll(rows: AlertRow[], group: LoadedGroup, mails: PlannedMail[]): Promise<SendOutcome> {
    const ids = rows.map((r) => r.id);
    const owner = leaseOwnerOf(rows);
    const failed: SendOutcome['failed'] = [];
    for (const mail of mails) {
      if (!(await renewAlertLease(db, ids, owner, leaseSeconds()))) return { failed, leaseLost: true };
      const timeout = { setting: 'mailTimeoutMs', ms: deps.settings().mailTimeoutMs };
      try {
        await underLease(ids, owner, (lease) =>
          runWithinDeadline(timeout, lease, (signal) => sendOne(group, mail, signal)),
        );
      } catch (err) {
        // Lost: another worker holds the group now; it decides (and mails whoever is left).
        if (isLeaseLost(err)) return { failed, leaseLost: true };
        failed.push({ userIds: mail.userIds, error: errorText(err) });
        continue;
      }
      await recordMailed(db, mail.alertIds, mail.address, mail.userIds[0] ?? null);
    }
    return { failed, leaseLost: false };
  }

  async function finish(rows: AlertRow[], outcome: SendOutcome, mailCount: number): Promise<void> {
    const group = groupKeyText(alertGroupOf(rows[0]));
    const alertIds = rows.map((r) => r.id);
    if (outcome.leaseLost) {
      logger.warn({ alertIds, group }, 'alert lease lost while mailing; the new holder mails whoever is left');
      return;
    }
    if (outcome.failed.length === 0) {
      await markAlertsSent(db, rows, leaseOwnerOf(rows));
      logger.info({ alertIds, group, mails: mailCount }, 'failure alert mailed');
      return;
    }
    const error = `mail to ${outcome.failed.length} of ${mailCount} recipients failed: ${outcome.failed[0].error}`;
    await markSendFailed(db, rows, leaseOwnerOf(rows), error, await dbNowMs(db), retryDelay);
    logger.warn(
      { alertIds, group, failedUserIds: outcome.failed.flatMap((f) => f.userIds), err: error },
      'failure alert mail failed; will retry',
    );
  }

  async function processGroup(rows: AlertRow[]): Promise<void> {
    const ids = rows.map((r) => r.id);
    const nowMs = await dbNowMs(db);
    const windowMs = deps.settings().alertWindowMinutes * 60_000;
    const key = alertGroupOf(rows[0]);
    const last = windowMs > 0 ? await lastMailAt(db, key, ids, nowMs - windowMs) : null;
    const decision = decideThrottle({ nowMs, lastMailAtMs: last, windowMs });
    if (decision.action === 'defer') {
      await deferAlerts(db, ids, leaseOwnerOf(rows), decision.untilMs);
      return;
    }
    const factsDeps = { db, host, store: deps.store, logger };
    const group = key.kind === 'run' ? await loadRunAlertGroup(factsDeps, rows) : await loadAlertGroup(factsDeps, rows);
    const alreadySent = await alreadyMailed(db, ids);
    const plan = planRecipientMails({ alerts: group.targets, admins: group.admins, owners: group.owners, alreadySent });
    for (const s of plan.skipped)
      logger.warn({ alertIds: ids, userId: s.userId, reason: s.reason }, 'failure alert: recipient skipped');
    if (plan.mails.length === 0 && failuresIn(group) > 0 && alreadySent.length === 0) {
      logger.warn(
        { alertIds: ids, group: groupKeyText(key) },
        'failure alert: nobody to mail (no active admin with a valid address)',
      );
    }
    await finish(rows, await sendAll(rows, group, plan.mails), plan.mails.length);
  }

  return {
    name: 'alerts',
    // Mail is slow and rare: one group at a time per worker keeps SMTP servers happy.
    concurrency: () => 1,
    claim: (limit) => claimAlertGroups(db, workerId, limit, leaseSeconds()),
    process: processGroup,
  };
}
