/**
 * The run-failure mail's content, pure: from a group's facts (one workflow, its failed runs) to
 * the subject line and the view `views/emails/run-failure-alert.*.hbs` render for one recipient.
 * Each run names its record, the failed task, the reason and every refused field (run-failure.ts)
 * and when it failed. The same rules as the delivery mail (alert-view.ts): every string is data,
 * URLs inside reasons are shown as the audience may see them, and links by audience — the log
 * entry, the workflow's failed runs and the workflow only for admins; the record in the CRM
 * (when the host has record pages) for everyone.
 */
import { sanitizeHeaderText } from '../mail-address.js';
import type { Run } from '../workflows/runs.js';
import { formatTime, type UrlAudience } from './alert-view.js';
import { failedTaskLine, runFailureOf } from './run-failure.js';
import { maskUrlsIn } from './url-display.js';

/** At most this many runs are listed one by one in a digest; the rest are counted and linked. */
export const MAX_LISTED_RUNS = 50;

// Only failed runs have alerts, so the status is implied.
export type AlertRun = Pick<Run, 'id' | 'workflowId' | 'error' | 'taskResults' | 'finishedAt'>;

export interface AlertRunFacts {
  alertId: number;
  run: AlertRun;
  /** e.g. `Deals #5 “Big deal”`, `Deals #5 (deleted)`, `no record`. */
  recordLabel: string;
  /** The record's page in the CRM (HostContext.recordUrl); null when none or the record is gone. */
  recordLink: string | null;
}

export interface RunAlertGroupFacts {
  workflowId: number | null;
  /** Null when the workflow was deleted. */
  workflowTitle: string | null;
  runs: AlertRunFacts[];
}

export interface RunAlertMailView {
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

function runLine(f: AlertRunFacts, audience: UrlAudience, adminUrl: string): RunAlertMailView['runs'][number] {
  const failure = runFailureOf({ ...f.run, status: 'failed' })!;
  return {
    id: f.run.id,
    record: f.recordLabel,
    task: failure.task ? failedTaskLine(failure.task) : null,
    outside: failure.task ? null : failure.stage === 'before_tasks' ? 'before any task ran' : 'after its tasks ran',
    reason: maskUrlsIn(failure.reason, audience),
    fields: failure.fields.map((x) => ({ name: x.name, message: maskUrlsIn(x.message, audience) })),
    failedAt: formatTime(f.run.finishedAt),
    link: audience === 'admin' ? `${adminUrl}/runs/${f.run.id}` : null,
    recordLink: f.recordLink,
  };
}

/** The subject: which workflow, how many failed runs, and the record of a single one. Header-safe. */
export function runAlertSubject(g: RunAlertGroupFacts, count: number, firstRecord: string): string {
  const head = count > 1 ? `${count} workflow runs failed` : 'Workflow run failed';
  const tail = count === 1 ? ` (${firstRecord})` : '';
  return sanitizeHeaderText(`[Hookflow] ${head}: ${g.workflowTitle ?? 'deleted workflow'}${tail}`, 200);
}

/** The view for one recipient, who is told about `alertIds` (a subset of the group). */
export function buildRunAlertView(input: {
  group: RunAlertGroupFacts;
  alertIds: number[];
  recipientName: string;
  adminUrl: string;
  audience: UrlAudience;
}): { subject: string; view: RunAlertMailView } {
  const { group, adminUrl, audience } = input;
  const wanted = new Set(input.alertIds);
  const mine = group.runs.filter((f) => wanted.has(f.alertId)).sort((a, b) => a.run.id - b.run.id);
  const admin = audience === 'admin';
  const workflowQuery = group.workflowId === null ? '' : `&workflowId=${group.workflowId}`;
  const view: RunAlertMailView = {
    recipientName: input.recipientName,
    workflowTitle: group.workflowTitle ?? 'deleted workflow',
    count: mine.length,
    isDigest: mine.length > 1,
    runs: mine.slice(0, MAX_LISTED_RUNS).map((f) => runLine(f, audience, adminUrl)),
    moreCount: Math.max(0, mine.length - MAX_LISTED_RUNS),
    logLink: admin ? `${adminUrl}/runs?status=failed${workflowQuery}` : null,
    workflowLink:
      admin && group.workflowId !== null && group.workflowTitle !== null
        ? `${adminUrl}/workflows/${group.workflowId}`
        : null,
  };
  return { subject: runAlertSubject(group, mine.length, mine[0]?.recordLabel ?? ''), view };
}
