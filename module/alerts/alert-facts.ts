/**
 * Loads what a delivery failure-alert group is about: its deliveries, the webhook task and
 * workflow, each delivery's record (for the owner, a readable label and the record's link in the
 * CRM), the owners, and the active admins. Read-only; a missing record, task or workflow is
 * shown as deleted, never an error. Run groups: run-alert-facts.ts, with the helpers here.
 */
import type { Knex } from 'knex';
import type { CrmRecord, HostContext, HostLogger, HostUser } from '../host.js';
import { getDeliveries, type Delivery } from '../outbound/queue/read.js';
import type { WorkflowStore } from '../workflows/store.js';
import type { AlertTarget } from './alert-digest.js';
import type { AlertRow } from './alert-queue.js';
import type { AlertDeliveryFacts, AlertGroupFacts } from './alert-view.js';
import { formatRecordLabel, recordRefOf } from './record-label.js';
import { en } from './messages/en.js';
import type { RunAlertGroupFacts } from './run-alert-view.js';
import { recordLinkOf } from './record-link.js';

/** Who may be mailed about a group: each alert's record owner, the owners, the active admins. */
interface GroupAudience {
  targets: AlertTarget[];
  owners: Map<number, HostUser | null>;
  admins: HostUser[];
}

/** A loaded group: failed deliveries of one webhook, or failed runs of one workflow. */
export type LoadedGroup =
  | (GroupAudience & { kind: 'delivery'; facts: AlertGroupFacts })
  | (GroupAudience & { kind: 'run'; facts: RunAlertGroupFacts });

export interface AlertFactsDeps {
  db: Knex;
  host: HostContext;
  store: WorkflowStore;
  logger: HostLogger;
}

// A record the host cannot read (module removed, host error) only loses its owner and label:
// the admins must still hear about the failure.
export async function readRecord(
  deps: AlertFactsDeps,
  module: string | null,
  recordId: number | null,
): Promise<CrmRecord | null | undefined> {
  if (!module || !recordId) return undefined;
  try {
    return await deps.host.records.get(module, recordId);
  } catch (err) {
    deps.logger.warn(
      { module, recordId, err: String((err as Error)?.message ?? err) },
      'alert: could not read the record of a failure',
    );
    return undefined;
  }
}

export async function loadOwners(host: HostContext, ownerIds: number[]): Promise<Map<number, HostUser | null>> {
  const owners = new Map<number, HostUser | null>();
  for (const id of new Set(ownerIds)) owners.set(id, await host.users.get(id));
  return owners;
}

export function workflowTitleLoader(store: WorkflowStore) {
  const cache = new Map<number, Promise<string | null>>();
  return (id: number | null): Promise<string | null> => {
    if (id === null) return Promise.resolve(null);
    if (!cache.has(id))
      cache.set(
        id,
        store.get(id).then((w) => w?.title ?? null),
      );
    return cache.get(id)!;
  };
}

/** PURE: whether a delivery alert no longer describes its delivery (it was resent since it failed). */
export function isStale(
  row: Pick<AlertRow, 'failedAtAttempt'>,
  delivery: Pick<Delivery, 'status' | 'attemptCount'>,
): boolean {
  return delivery.status !== 'failed' || (row.failedAtAttempt > 0 && delivery.attemptCount > row.failedAtAttempt);
}

/** Everything one delivery group's mails need. Alerts whose delivery is gone (pruned) are left out. */
export async function loadAlertGroup(deps: AlertFactsDeps, rows: AlertRow[]): Promise<LoadedGroup> {
  const taskId = rows[0]?.taskId ?? null;
  const found = await getDeliveries(
    deps.db,
    rows.flatMap((r) => (r.deliveryId === null ? [] : [r.deliveryId])),
  );
  const byId = new Map(found.map((d) => [d.id, d]));
  const task = taskId === null ? null : await deps.store.getTask(taskId);
  const titleOf = workflowTitleLoader(deps.store);
  const deliveries: AlertDeliveryFacts[] = [];
  const targets: AlertTarget[] = [];
  for (const row of rows) {
    const delivery = row.deliveryId === null ? undefined : byId.get(row.deliveryId);
    // Gone, or tried again since this failure (resent: in flight, delivered, or failed anew with
    // an alert of its own): nobody needs this mail any more; the group ends without it.
    if (!delivery || isStale(row, delivery)) continue;
    const record = await readRecord(deps, delivery.module, delivery.recordId);
    const ref = recordRefOf(
      delivery.module,
      delivery.recordId,
      record === undefined ? undefined : (record?.fields ?? null),
    );
    const recordLink = record ? recordLinkOf(deps.host, deps.logger, delivery.module, delivery.recordId) : null;
    deliveries.push({
      alertId: row.id,
      delivery,
      workflowTitle: await titleOf(delivery.workflowId),
      recordLabel: formatRecordLabel(ref, en),
      record: ref,
      recordLink,
    });
    targets.push({ alertId: row.id, ownerUserId: record ? record.ownerUserId : null });
  }
  const workflowId = task?.workflowId ?? deliveries[0]?.delivery.workflowId ?? null;
  // A 410 from a static URL disables the webhook BEFORE its failure (and this alert) is recorded,
  // so the task row tells; a 410 from a templated URL fails one delivery and disables nothing.
  const disabled = task?.disabledAt != null ? { reason: task.disabledReason } : null;
  const owners = await loadOwners(
    deps.host,
    targets.flatMap((t) => (t.ownerUserId === null ? [] : [t.ownerUserId])),
  );
  return {
    kind: 'delivery',
    facts: {
      taskId,
      taskTitle: task?.title ?? null,
      workflowId,
      workflowTitle: await titleOf(workflowId),
      disabled,
      deliveries,
    },
    targets,
    owners,
    admins: await deps.host.users.listActiveAdmins(),
  };
}
