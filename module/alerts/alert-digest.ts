/**
 * Failure-alert decisions, pure (no I/O, times passed in): which claimed alerts form one mail
 * group, whether a group is mailed now or waits for its throttle window, who gets which
 * failures, and how long a failed mail send waits before the next try.
 *
 * Invariants: one group = the failed deliveries of one webhook task, or the failed runs of one
 * workflow (never both: they are different mails); each recipient address gets at most one
 * mail per group and never a failure it was already mailed about; admins get every failure, a
 * record owner only the failures of their own records.
 */
import type { HostUser } from '../host.js';
import { emailAddressProblem } from '../mail-address.js';

/** A claimed alert as the planner needs it. */
export interface AlertTarget {
  alertId: number;
  /** Owner of the delivery's record; null when there is no record (or it is gone). */
  ownerUserId: number | null;
}

/** One mail to send: to one address, about these alerts. */
export interface PlannedMail {
  address: string;
  /** Name for the greeting (of the first user with this address). */
  name: string;
  userIds: number[];
  alertIds: number[];
  /**
   * `admin` only when EVERY user with this address is an admin: a mailbox a non-admin shares
   * gets the non-admin's view (URLs as origins only), since whoever reads it may be that user.
   */
  audience: 'admin' | 'owner';
  /**
   * The language and zone the mail is written in (HostUser.locale / timeZone), of the same first
   * user as `name`: one address gets one mail (its crash-safe record is per address), so a mailbox
   * users share is written as its first user prefers. Null = the default (English, UTC).
   */
  locale: string | null;
  timeZone: string | null;
}

export interface SkippedRecipient {
  userId: number;
  reason: string;
}

export type ThrottleDecision = { action: 'send' } | { action: 'defer'; untilMs: number };

/**
 * A group's first failure is mailed at once (a webhook's, or a workflow's runs'); while its
 * last alert mail is younger than the window, further failures wait for the window's end and
 * then go out together (a digest).
 * `lastMailAtMs` is the last mail sent for this group about OTHER alerts than the group's,
 * so a group retried after a partial send is not held back by its own first mails.
 */
export function decideThrottle(input: {
  nowMs: number;
  lastMailAtMs: number | null;
  windowMs: number;
}): ThrottleDecision {
  const { nowMs, lastMailAtMs, windowMs } = input;
  if (lastMailAtMs === null || windowMs <= 0) return { action: 'send' };
  const untilMs = lastMailAtMs + windowMs;
  return nowMs >= untilMs ? { action: 'send' } : { action: 'defer', untilMs };
}

/** Waits after the 1st, 2nd, 3rd … failed send of an alert: 1, 5, 15, then every 60 minutes. */
export const MAIL_RETRY_MINUTES = [1, 5, 15, 60] as const;

/** Delay before the next send try after `failedSends` (≥ 1) failed tries, ms. */
export function mailRetryDelayMs(failedSends: number): number {
  const i = Math.min(Math.max(1, Math.floor(failedSends)), MAIL_RETRY_MINUTES.length) - 1;
  return MAIL_RETRY_MINUTES[i] * 60_000;
}

/** What one mail group is about: one webhook task's failed deliveries, or one workflow's failed runs. */
export type AlertGroupKey = { kind: 'delivery'; taskId: number | null } | { kind: 'run'; workflowId: number | null };

/** An alert row as grouping needs it: a run alert has `runId`, a delivery alert has not. */
export interface GroupableAlert {
  id: number;
  runId: number | null;
  taskId: number | null;
  workflowId: number | null;
}

/** The group an alert row belongs to. Deliveries without a task (a deleted webhook) share one group, as do runs without a workflow. */
export function alertGroupOf(row: GroupableAlert): AlertGroupKey {
  return row.runId !== null ? { kind: 'run', workflowId: row.workflowId } : { kind: 'delivery', taskId: row.taskId };
}

/** A stable text form of a group key (`task:7`, `task:-`, `workflow:3`), for maps and logs. */
export function groupKeyText(key: AlertGroupKey): string {
  return key.kind === 'run' ? `workflow:${key.workflowId ?? '-'}` : `task:${key.taskId ?? '-'}`;
}

/**
 * Splits rows into groups by `keyOf`, in order of each group's first row: at most `maxGroups`
 * groups of at most `maxPerGroup` rows. Rows beyond that are left out (they stay unclaimed).
 */
export function groupRows<T, K>(rows: T[], keyOf: (row: T) => K, maxGroups: number, maxPerGroup: number): T[][] {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) {
      if (group.length < maxPerGroup) group.push(row);
    } else if (groups.size < maxGroups) {
      groups.set(key, [row]);
    }
  }
  return [...groups.values()];
}

/**
 * Splits claimed alert rows into groups of one webhook task, oldest first: at most
 * `maxGroups` groups of at most `maxPerGroup` alerts. Rows beyond that stay unclaimed.
 * Alerts without a task (a deleted webhook, a hand-queued delivery) share the key null.
 */
export function groupByTask<T extends { id: number; taskId: number | null }>(
  rows: T[],
  maxGroups: number,
  maxPerGroup: number,
): T[][] {
  return groupRows(rows, (r) => r.taskId, maxGroups, maxPerGroup);
}

/** Like groupByTask, for delivery and run alerts together: per webhook task, and per workflow. */
export function groupAlerts<T extends GroupableAlert>(rows: T[], maxGroups: number, maxPerGroup: number): T[][] {
  return groupRows(rows, (r) => groupKeyText(alertGroupOf(r)), maxGroups, maxPerGroup);
}

interface Candidate {
  user: HostUser;
  alertIds: number[];
}

// Every admin gets every alert; an active owner gets the alerts of their records.
function collectCandidates(
  alerts: AlertTarget[],
  admins: HostUser[],
  owners: Map<number, HostUser | null>,
): Map<number, Candidate> {
  const byUser = new Map<number, Candidate>();
  const add = (user: HostUser, alertId: number) => {
    const c = byUser.get(user.id) ?? { user, alertIds: [] };
    if (!c.alertIds.includes(alertId)) c.alertIds.push(alertId);
    byUser.set(user.id, c);
  };
  for (const alert of alerts) {
    for (const admin of admins) if (admin.active) add(admin, alert.alertId);
    const owner = alert.ownerUserId === null ? null : (owners.get(alert.ownerUserId) ?? null);
    if (owner?.active) add(owner, alert.alertId);
  }
  return byUser;
}

function newMail(address: string, user: HostUser): PlannedMail {
  const { name, locale, timeZone } = user;
  return {
    address,
    name,
    userIds: [],
    alertIds: [],
    audience: 'admin',
    locale: locale ?? null,
    timeZone: timeZone ?? null,
  };
}

/**
 * Who is mailed about which alerts. Users with an unusable address are skipped (reported
 * once each); users sharing an address get one mail with the union of their alerts; an
 * (alert, address) pair in `alreadySent` is never mailed again; mails with nothing left to
 * say are dropped.
 */
export function planRecipientMails(input: {
  alerts: AlertTarget[];
  admins: HostUser[];
  owners: Map<number, HostUser | null>;
  alreadySent: Array<{ alertId: number; address: string }>;
}): { mails: PlannedMail[]; skipped: SkippedRecipient[] } {
  const sent = new Set(input.alreadySent.map((s) => `${s.alertId} ${s.address.toLowerCase()}`));
  const mails = new Map<string, PlannedMail>();
  const skipped: SkippedRecipient[] = [];
  for (const { user, alertIds } of collectCandidates(input.alerts, input.admins, input.owners).values()) {
    const problem = emailAddressProblem(user.email);
    if (problem) {
      skipped.push({ userId: user.id, reason: `address ${problem}` });
      continue;
    }
    const address = user.email.trim().toLowerCase();
    const mail = mails.get(address) ?? newMail(address, user);
    mail.userIds.push(user.id);
    if (user.isAdmin !== true) mail.audience = 'owner';
    for (const id of alertIds) if (!sent.has(`${id} ${address}`) && !mail.alertIds.includes(id)) mail.alertIds.push(id);
    mails.set(address, mail);
  }
  const planned = [...mails.values()].filter((m) => m.alertIds.length > 0);
  for (const m of planned) m.alertIds.sort((a, b) => a - b);
  return { mails: planned, skipped };
}
