/**
 * The failure-alert mail's content, pure: from a group's facts (one webhook task, its failed
 * deliveries) to the subject line and the view the email templates render for one recipient.
 * Every string here is data: the templates escape it (HTML), the text part gets every value on
 * one line (plain-text.ts) and the subject is made header-safe. URLs, in the request line and
 * inside error texts, are shown as the recipient's audience may see them (url-display.ts): the
 * origin only for a non-admin owner.
 *
 * Links by audience (invariant: a mail never links to a page its reader cannot open): links
 * into the admin pages (log entries, the log, the workflow) only for `admin`; the record in the
 * CRM (HostContext.recordUrl, when the host has one) for everyone — for a non-admin owner it is
 * the only link.
 */
import { sanitizeHeaderText } from '../mail-address.js';
import type { Delivery } from '../outbound/queue/read.js';
import { displayUrlFor, maskUrlsIn, type UrlAudience } from './url-display.js';

export type { UrlAudience };

/** At most this many deliveries are listed one by one in a digest; the rest are counted and linked. */
export const MAX_LISTED_DELIVERIES = 50;

export interface AlertDeliveryFacts {
  alertId: number;
  delivery: Delivery;
  /** Title of the delivery's workflow; null when it was deleted. */
  workflowTitle: string | null;
  /** e.g. `Deals #5 “Big deal”`, `Deals #5 (deleted)`, `no record`. */
  recordLabel: string;
  /** The record's page in the CRM (HostContext.recordUrl); null/absent when none or the record is gone. */
  recordLink?: string | null;
}

export interface AlertGroupFacts {
  taskId: number | null;
  /** Title of the webhook task; null when the task was deleted. */
  taskTitle: string | null;
  workflowId: number | null;
  workflowTitle: string | null;
  /** Set when the webhook is disabled (410 Gone): its new deliveries are held until an admin re-enables it. */
  disabled: { reason: string | null } | null;
  deliveries: AlertDeliveryFacts[];
}

export interface AlertMailView {
  recipientName: string;
  workflowTitle: string;
  webhookTitle: string;
  count: number;
  isDigest: boolean;
  disabled: { reason: string | null; workflowLink: string | null } | null;
  deliveries: Array<{
    id: number;
    workflowTitle: string;
    record: string;
    method: string;
    url: string;
    status: string;
    error: string | null;
    attempts: number;
    failedAt: string;
    /** The log entry (admins only). */
    link: string | null;
    /** The record in the CRM (anyone; null when the host has no record pages). */
    recordLink: string | null;
  }>;
  moreCount: number;
  /** The webhook's failed deliveries in the log (admins only). */
  logLink: string | null;
}

/** `2026-11-23 10:04:05 UTC`. */
export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'unknown';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function statusLine(d: Delivery): string {
  return d.lastStatusCode === null ? 'no HTTP response' : `HTTP ${d.lastStatusCode}`;
}

// The error beside the status line; null when it would only repeat it ("HTTP 500 — HTTP 500").
function errorLine(d: Delivery, audience: UrlAudience): string | null {
  if (d.lastError === null || d.lastError.trim() === statusLine(d)) return null;
  return maskUrlsIn(d.lastError, audience);
}

function webhookTitleOf(g: AlertGroupFacts): string {
  if (g.taskTitle) return g.taskTitle;
  return g.taskId === null ? 'webhook' : `webhook #${g.taskId} (deleted)`;
}

/** The subject: which webhook, how many failures, and whether it is now disabled. Header-safe. */
export function alertSubject(g: AlertGroupFacts, count: number, firstRecord: string): string {
  const what = `${g.workflowTitle ?? 'deleted workflow'} / ${webhookTitleOf(g)}`;
  const head = g.disabled ? 'Webhook disabled' : count > 1 ? `${count} webhook deliveries failed` : 'Webhook failed';
  const tail = count === 1 ? ` (${firstRecord})` : '';
  return sanitizeHeaderText(`[Hookflow] ${head}: ${what}${tail}`, 200);
}

/**
 * The view for one recipient, who is told about `alertIds` (a subset of the group). `audience`
 * is `admin` only when the recipient is an admin; anything else sees URLs as origins only.
 */
export function buildAlertView(input: {
  group: AlertGroupFacts;
  alertIds: number[];
  recipientName: string;
  adminUrl: string;
  audience: UrlAudience;
}): { subject: string; view: AlertMailView } {
  const { group, adminUrl, audience } = input;
  const wanted = new Set(input.alertIds);
  const mine = group.deliveries.filter((f) => wanted.has(f.alertId)).sort((a, b) => a.delivery.id - b.delivery.id);
  const listed = mine.slice(0, MAX_LISTED_DELIVERIES);
  const logQuery = group.taskId === null ? 'status=failed' : `status=failed&taskId=${group.taskId}`;
  const admin = audience === 'admin';
  const view: AlertMailView = {
    recipientName: input.recipientName,
    workflowTitle: group.workflowTitle ?? 'deleted workflow',
    webhookTitle: webhookTitleOf(group),
    count: mine.length,
    isDigest: mine.length > 1,
    disabled: group.disabled
      ? {
          reason: group.disabled.reason === null ? null : maskUrlsIn(group.disabled.reason, audience),
          workflowLink: group.workflowId === null || !admin ? null : `${adminUrl}/workflows/${group.workflowId}`,
        }
      : null,
    deliveries: listed.map(({ delivery: d, workflowTitle, recordLabel, recordLink }) => ({
      id: d.id,
      workflowTitle: workflowTitle ?? 'deleted workflow',
      record: recordLabel,
      method: d.method,
      url: displayUrlFor(d.url, audience),
      status: statusLine(d),
      error: errorLine(d, audience),
      attempts: d.attemptCount,
      failedAt: formatTime(d.finishedAt),
      link: admin ? `${adminUrl}/deliveries/${d.id}` : null,
      recordLink: recordLink ?? null,
    })),
    moreCount: mine.length - listed.length,
    logLink: admin ? `${adminUrl}/deliveries?${logQuery}` : null,
  };
  return { subject: alertSubject(group, mine.length, mine[0]?.recordLabel ?? ''), view };
}

/** `Deals #5 “Big deal”` from a record's fields (first of title, name, subject, company). */
export function recordLabelOf(
  module: string | null,
  recordId: number | null,
  fields: Record<string, unknown> | null | undefined,
): string {
  if (!module || !recordId) return 'no record';
  if (fields === null) return `${module} #${recordId} (deleted)`;
  const name = ['title', 'name', 'subject', 'company']
    .map((k) => fields?.[k])
    .find((v) => typeof v === 'string' && v.trim() !== '') as string | undefined;
  return name ? `${module} #${recordId} “${name.trim().slice(0, 120)}”` : `${module} #${recordId}`;
}
