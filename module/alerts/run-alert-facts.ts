/**
 * Loads what a run failure-alert group is about: its failed runs (one workflow), the workflow's
 * title, each run's record (owner, readable label, link in the CRM), the owners and the active
 * admins. Read-only; a deleted workflow or record is shown as deleted, never an error.
 *
 * The owner is the owner of the run's record now; when the record is gone (a record.deleted
 * workflow, or deleted since) the owner it had when the run started, from the run's event
 * snapshot — the run was about their record, so they still hear that it failed.
 */
import { getRunsByIds, type Run } from '../workflows/runs.js';
import type { AlertTarget } from './alert-digest.js';
import type { AlertRow } from './alert-queue.js';
import { loadOwners, readRecord, workflowTitleLoader, type AlertFactsDeps, type LoadedGroup } from './alert-facts.js';
import { formatRecordLabel, recordRefOf } from './record-label.js';
import { en } from './messages/en.js';
import type { AlertRunFacts } from './run-alert-view.js';
import { recordLinkOf } from './record-link.js';

async function runFacts(
  deps: AlertFactsDeps,
  alertId: number,
  run: Run,
): Promise<{ facts: AlertRunFacts; target: AlertTarget }> {
  const record = await readRecord(deps, run.module, run.recordId);
  const snapshot = run.event?.record ?? null;
  // undefined: the host could not say (no record id, or a read error): label from the snapshot.
  const fields = record === undefined ? snapshot?.fields : (record?.fields ?? null);
  const ownerUserId = record ? record.ownerUserId : snapshot ? snapshot.ownerUserId : null;
  const ref = recordRefOf(run.recordId === null ? null : run.module, run.recordId, fields);
  return {
    facts: {
      alertId,
      run,
      recordLabel: formatRecordLabel(ref, en),
      record: ref,
      recordLink: record ? recordLinkOf(deps.host, deps.logger, run.module, run.recordId) : null,
    },
    target: { alertId, ownerUserId: typeof ownerUserId === 'number' ? ownerUserId : null },
  };
}

/** Everything one run group's mails need. Alerts whose run is gone (pruned) are left out. */
export async function loadRunAlertGroup(deps: AlertFactsDeps, rows: AlertRow[]): Promise<LoadedGroup> {
  const workflowId = rows[0]?.workflowId ?? null;
  const runs = new Map(
    (
      await getRunsByIds(
        deps.db,
        rows.flatMap((r) => (r.runId === null ? [] : [r.runId])),
      )
    ).map((r) => [r.id, r]),
  );
  const loaded: AlertRunFacts[] = [];
  const targets: AlertTarget[] = [];
  for (const row of rows) {
    const run = row.runId === null ? undefined : runs.get(row.runId);
    if (!run) continue;
    const { facts, target } = await runFacts(deps, row.id, run);
    loaded.push(facts);
    targets.push(target);
  }
  const owners = await loadOwners(
    deps.host,
    targets.flatMap((t) => (t.ownerUserId === null ? [] : [t.ownerUserId])),
  );
  return {
    kind: 'run',
    facts: { workflowId, workflowTitle: await workflowTitleLoader(deps.store)(workflowId), runs: loaded },
    targets,
    owners,
    admins: await deps.host.users.listActiveAdmins(),
  };
}
