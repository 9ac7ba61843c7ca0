/**
 * The run-failure mail's content, pure: from a group's facts (one workflow, its failed runs) to
 * the subject line and the view `views/emails/run-failure-alert.*.hbs` render for one recipient.
 * Each run names its record, the failed task, the reason and every refused field (run-failure.ts)
 * and when it failed. The same rules as the delivery mail (alert-view.ts): every string is data,
 * URLs inside reasons are shown as the audience may see them, and links by audience — the log
 * entry, the workflow's failed runs and the workflow only for admins; the record in the CRM
 * (when the host has record pages) for everyone. Words, times and numbers in the recipient's
 * language and zone, as in the delivery mail.
 */
import { sanitizeHeaderText } from '../mail-address.js';
import type { Run } from '../workflows/runs.js';
import type { UrlAudience } from './alert-view.js';
import { failedTaskLine, runFailureOf } from './run-failure.js';
import { maskUrlsIn } from './url-display.js';
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

/** At most this many runs are listed one by one in a digest; the rest are counted and linked. */
export const MAX_LISTED_RUNS = 50;

// Only failed runs have alerts, so the status is implied.
export type AlertRun = Pick<Run, 'id' | 'workflowId' | 'error' | 'taskResults' | 'finishedAt'>;

export interface AlertRunFacts {
  alertId: number;
  run: AlertRun;
  /** e.g. `Deals #5 “Big deal”`, `Deals #5 (deleted)`, `no record`. */
  recordLabel: string;
  /** What `recordLabel` is made of, to name it in the reader's language; absent: `recordLabel` as is. */
  record?: RecordRef;
  /** The record's page in the CRM (HostContext.recordUrl); null when none or the record is gone. */
  recordLink: string | null;
}

export interface RunAlertGroupFacts {
  workflowId: number | null;
  /** Null when the workflow was deleted. */
  workflowTitle: string | null;
  runs: AlertRunFacts[];
}

const TEXT_LABELS = ['failedTask', 'failedOutside', 'reason', 'field', 'failedAt', 'record', 'logEntry'] as const;

/** The words around the data, in the recipient's language (see AlertMailChrome). */
export interface RunAlertMailChrome {
  lang: string;
  t: AlertMessages;
  tl: Record<(typeof TEXT_LABELS)[number], string>;
  heading: string;
  headingUpper: string;
  hello: string;
  intro: MessagePart[];
  introText: string;
  moreText: string;
}

export interface RunAlertMailView extends RunAlertMailChrome {
  recipientName: string;
  workflowTitle: string;
  count: number;
  isDigest: boolean;
  runs: Array<{
    id: number;
    record: string;
    /** `2. Create the lead (create_record)`; null when the run failed outside its tasks. */
    task: string | null;
    /** Set when no task failed: `before any task ran` / `after its tasks ran`. */
    outside: string | null;
    reason: string;
    fields: Array<{ name: string; message: string }>;
    failedAt: string;
    /** The run's log entry (admins only). */
    link: string | null;
    /** The record in the CRM (anyone; null when the host has no record pages). */
    recordLink: string | null;
  }>;
  moreCount: number;
  /** The workflow's failed runs in the log (admins only). */
  logLink: string | null;
  /** The workflow, to fix it (admins only; null when it was deleted). */
  workflowLink: string | null;
}

function runLine(
  f: AlertRunFacts,
  audience: UrlAudience,
  adminUrl: string,
  loc: AlertLocale,
): RunAlertMailView['runs'][number] {
  const failure = runFailureOf({ ...f.run, status: 'failed' })!;
  const t = loc.messages;
  return {
    id: f.run.id,
    record: recordLabelFor(f, t),
    task: failure.task ? failedTaskLine(failure.task) : null,
    outside: failure.task ? null : failure.stage === 'before_tasks' ? t.beforeTasks : t.afterTasks,
    reason: maskUrlsIn(failure.reason, audience),
    fields: failure.fields.map((x) => ({ name: x.name, message: maskUrlsIn(x.message, audience) })),
    failedAt: formatAlertTime(f.run.finishedAt, loc),
    link: audience === 'admin' ? `${adminUrl}/runs/${f.run.id}` : null,
    recordLink: f.recordLink,
  };
}

/** The subject: which workflow, how many failed runs, and the record of a single one. Header-safe. */
export function runAlertSubject(
  g: RunAlertGroupFacts,
  count: number,
  firstRecord: string,
  loc: AlertLocale = DEFAULT_ALERT_LOCALE,
): string {
  const t = loc.messages;
  const head =
    count > 1 ? formatMessage(t.subjectRunsFailed, { count: formatAlertNumber(count, loc) }) : t.subjectRunFailed;
  const tail = count === 1 ? ` (${firstRecord})` : '';
  return sanitizeHeaderText(`[Hookflow] ${head}: ${g.workflowTitle ?? t.deletedWorkflow}${tail}`, 200);
}

/** The words of one recipient's mail about `count` failed runs, `listed` of them one by one. */
function runChrome(
  g: RunAlertGroupFacts,
  count: number,
  listed: number,
  name: string,
  loc: AlertLocale,
): RunAlertMailChrome {
  const t = loc.messages;
  const n = formatAlertNumber(count, loc);
  const heading = count > 1 ? formatMessage(t.subjectRunsFailed, { count: n }) : t.headingRunFailed;
  const intro = count > 1 ? t.introRuns : t.introRun;
  const params = { count: n, workflowTitle: g.workflowTitle ?? t.deletedWorkflow };
  const more = count - listed;
  return {
    lang: t.htmlLang,
    t,
    tl: textLabels(t, TEXT_LABELS),
    heading,
    headingUpper: heading.toLocaleUpperCase(loc.locale),
    hello: formatMessage(t.hello, { name }),
    intro: formatMessageParts(intro, params, ['workflowTitle']),
    introText: formatQuotedMessage(intro, params, t, ['workflowTitle']),
    moreText: more > 0 ? formatMessage(t.moreRuns, { count: formatAlertNumber(more, loc) }) : '',
  };
}

/** The view for one recipient, who is told about `alertIds` (a subset of the group). */
export function buildRunAlertView(input: {
  group: RunAlertGroupFacts;
  alertIds: number[];
  recipientName: string;
  adminUrl: string;
  audience: UrlAudience;
  /** The recipient's language and zone (alert-locale.ts). Default English, UTC. */
  locale?: AlertLocale;
}): { subject: string; view: RunAlertMailView } {
  const { group, adminUrl, audience } = input;
  const loc = input.locale ?? DEFAULT_ALERT_LOCALE;
  const wanted = new Set(input.alertIds);
  const mine = group.runs.filter((f) => wanted.has(f.alertId)).sort((a, b) => a.run.id - b.run.id);
  const admin = audience === 'admin';
  const workflowQuery = group.workflowId === null ? '' : `&workflowId=${group.workflowId}`;
  const listed = mine.slice(0, MAX_LISTED_RUNS);
  const view: RunAlertMailView = {
    ...runChrome(group, mine.length, listed.length, input.recipientName, loc),
    recipientName: input.recipientName,
    workflowTitle: group.workflowTitle ?? loc.messages.deletedWorkflow,
    count: mine.length,
    isDigest: mine.length > 1,
    runs: listed.map((f) => runLine(f, audience, adminUrl, loc)),
    moreCount: Math.max(0, mine.length - MAX_LISTED_RUNS),
    logLink: admin ? `${adminUrl}/runs?status=failed${workflowQuery}` : null,
    workflowLink:
      admin && group.workflowId !== null && group.workflowTitle !== null
        ? `${adminUrl}/workflows/${group.workflowId}`
        : null,
  };
  const first = mine[0] ? recordLabelFor(mine[0], loc.messages) : '';
  return { subject: runAlertSubject(group, mine.length, first, loc), view };
}
