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
 *
 * Language and zone (alert-locale.ts): every word Hookflow writes comes from the recipient's
 * catalogue (`t` in the view, and the filled-in sentences beside it); times are shown in the
 * recipient's zone and numbers in their locale. Titles, record labels and error texts are data and
 * stay as they are.
 */
import { sanitizeHeaderText } from '../mail-address.js';
import type { Delivery } from '../outbound/queue/read.js';
import { displayUrlFor, maskUrlsIn, type UrlAudience } from './url-display.js';
import { DEFAULT_ALERT_LOCALE, type AlertLocale } from './alert-locale.js';
import {
  formatAlertNumber,
  formatAlertTime,
  formatMessage,
  formatMessageParts,
  formatQuotedMessage,
  textLabels,
  type MessagePart,
} from './alert-format.js';
import type { AlertMessages } from './messages/en.js';
import { recordLabelFor, type RecordRef } from './record-label.js';

export { recordLabelOf } from './record-label.js';

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
  /** What `recordLabel` is made of, to name it in the reader's language; absent: `recordLabel` as is. */
  record?: RecordRef;
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

const TEXT_LABELS = ['workflow', 'request', 'lastResult', 'attempts', 'failedAt', 'record', 'logEntry'] as const;

/** The words around the data, in the recipient's language (alert-format.ts). */
export interface AlertMailChrome {
  /** The `<html lang>`. */
  lang: string;
  /** The recipient's catalogue, for the templates' labels. */
  t: AlertMessages;
  /** The text part's row labels, padded to one width. */
  tl: Record<(typeof TEXT_LABELS)[number], string>;
  title: string;
  heading: string;
  /** The heading upper-cased for the text part. */
  headingUpper: string;
  hello: string;
  /** The opening sentence; its values `strong` in HTML. */
  intro: MessagePart[];
  /** The opening sentence for the text part, values quoted. */
  introText: string;
  /** `and 7 more failed deliveries of this webhook.`; empty when all are listed. */
  moreText: string;
}

export interface AlertMailView extends AlertMailChrome {
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
    /** Formatted in the recipient's locale. */
    attempts: string;
    /** In the recipient's zone, with the zone's name. */
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

/** `2026-11-23 10:04:05 UTC`: a time as an English reader in UTC sees it (formatAlertTime for others). */
export function formatTime(ms: number | null): string {
  return formatAlertTime(ms, DEFAULT_ALERT_LOCALE);
}

function statusLine(d: Delivery, t: AlertMessages): string {
  return d.lastStatusCode === null ? t.noHttpResponse : `HTTP ${d.lastStatusCode}`;
}

// The error beside the status line; null when it would only repeat it ("HTTP 500 — HTTP 500").
function errorLine(d: Delivery, audience: UrlAudience, t: AlertMessages): string | null {
  if (
    d.lastError === null ||
    [statusLine(d, t), statusLine(d, DEFAULT_ALERT_LOCALE.messages)].includes(d.lastError.trim())
  )
    return null;
  return maskUrlsIn(d.lastError, audience);
}

function webhookTitleOf(g: AlertGroupFacts, t: AlertMessages): string {
  if (g.taskTitle) return g.taskTitle;
  return g.taskId === null ? t.webhook : formatMessage(t.webhookDeleted, { id: g.taskId });
}

/** The subject: which webhook, how many failures, and whether it is now disabled. Header-safe. */
export function alertSubject(
  g: AlertGroupFacts,
  count: number,
  firstRecord: string,
  loc: AlertLocale = DEFAULT_ALERT_LOCALE,
): string {
  const t = loc.messages;
  const what = `${g.workflowTitle ?? t.deletedWorkflow} / ${webhookTitleOf(g, t)}`;
  const many = formatMessage(t.subjectDeliveriesFailed, { count: formatAlertNumber(count, loc) });
  const head = g.disabled ? t.subjectWebhookDisabled : count > 1 ? many : t.subjectWebhookFailed;
  const tail = count === 1 ? ` (${firstRecord})` : '';
  return sanitizeHeaderText(`[Hookflow] ${head}: ${what}${tail}`, 200);
}

/** The words of one recipient's mail about `count` failures, `listed` of them one by one. */
function deliveryChrome(
  g: AlertGroupFacts,
  count: number,
  listed: number,
  name: string,
  loc: AlertLocale,
): AlertMailChrome {
  const t = loc.messages;
  const n = formatAlertNumber(count, loc);
  const heading = g.disabled
    ? t.subjectWebhookDisabled
    : count > 1
      ? formatMessage(t.subjectDeliveriesFailed, { count: n })
      : t.headingDeliveryFailed;
  const intro = count > 1 ? t.introDeliveries : t.introDelivery;
  const params = { count: n, webhookTitle: webhookTitleOf(g, t), workflowTitle: g.workflowTitle ?? t.deletedWorkflow };
  const more = count - listed;
  return {
    lang: t.htmlLang,
    t,
    tl: textLabels(t, TEXT_LABELS),
    title: g.disabled ? t.subjectWebhookDisabled : t.titleDeliveryFailed,
    heading,
    headingUpper: heading.toLocaleUpperCase(loc.locale),
    hello: formatMessage(t.hello, { name }),
    intro: formatMessageParts(intro, params, ['webhookTitle', 'workflowTitle']),
    introText: formatQuotedMessage(intro, params, t, ['webhookTitle', 'workflowTitle']),
    moreText: more > 0 ? formatMessage(t.moreDeliveries, { count: formatAlertNumber(more, loc) }) : '',
  };
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
  /** The recipient's language and zone (alert-locale.ts). Default English, UTC. */
  locale?: AlertLocale;
}): { subject: string; view: AlertMailView } {
  const { group, adminUrl, audience } = input;
  const loc = input.locale ?? DEFAULT_ALERT_LOCALE;
  const t = loc.messages;
  const wanted = new Set(input.alertIds);
  const mine = group.deliveries.filter((f) => wanted.has(f.alertId)).sort((a, b) => a.delivery.id - b.delivery.id);
  const listed = mine.slice(0, MAX_LISTED_DELIVERIES);
  const logQuery = group.taskId === null ? 'status=failed' : `status=failed&taskId=${group.taskId}`;
  const admin = audience === 'admin';
  const view: AlertMailView = {
    ...deliveryChrome(group, mine.length, listed.length, input.recipientName, loc),
    recipientName: input.recipientName,
    workflowTitle: group.workflowTitle ?? t.deletedWorkflow,
    webhookTitle: webhookTitleOf(group, t),
    count: mine.length,
    isDigest: mine.length > 1,
    disabled: group.disabled
      ? {
          reason: group.disabled.reason === null ? null : maskUrlsIn(group.disabled.reason, audience),
          workflowLink: group.workflowId === null || !admin ? null : `${adminUrl}/workflows/${group.workflowId}`,
        }
      : null,
    deliveries: listed.map(({ delivery: d, workflowTitle, recordLink, ...f }) => ({
      id: d.id,
      workflowTitle: workflowTitle ?? t.deletedWorkflow,
      record: recordLabelFor(f, t),
      method: d.method,
      url: displayUrlFor(d.url, audience),
      status: statusLine(d, t),
      error: errorLine(d, audience, t),
      attempts: formatAlertNumber(d.attemptCount, loc),
      failedAt: formatAlertTime(d.finishedAt, loc),
      link: admin ? `${adminUrl}/deliveries/${d.id}` : null,
      recordLink: recordLink ?? null,
    })),
    moreCount: mine.length - listed.length,
    logLink: admin ? `${adminUrl}/deliveries?${logQuery}` : null,
  };
  const first = mine[0] ? recordLabelFor(mine[0], t) : '';
  return { subject: alertSubject(group, mine.length, first, loc), view };
}
