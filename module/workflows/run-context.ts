/**
 * What a run's tasks render against (its template context), and the run-start check of
 * conditions on related records, which the save could not read.
 */
import type { HostContext } from '../host.js';
import type { TemplateContext } from './templates.js';
import type { Workflow } from './model.js';
import type { Run } from './runs.js';
import { evaluateConditions } from './conditions.js';

/** The template context of `run` (what its tasks render against); also what a preview of a logged run renders. */
export async function buildRunContext(
  run: Pick<Run, 'id' | 'module' | 'recordId' | 'source' | 'event' | 'env' | 'taskResults'>,
  host: HostContext,
): Promise<TemplateContext> {
  const rec = run.event.record;
  const owner = rec ? await host.users.get(rec.ownerUserId) : null;
  return {
    env: { ...run.env },
    record: rec ? { id: rec.id, ...rec.fields } : null,
    previous: run.event.previous ? { id: run.event.previous.id, ...run.event.previous.fields } : null,
    event: {
      type: run.event.type,
      module: run.module,
      recordId: run.recordId,
      time: new Date(run.event.timeMs).toISOString(),
      runId: run.id,
      source: run.source,
    },
    user: owner ? { id: owner.id, name: owner.name, email: owner.email } : null,
    // A resumed run's finished tasks keep feeding later ones (steps are rebuilt from their results).
    steps: Object.fromEntries(
      run.taskResults.filter((r) => r.status === 'succeeded').map((r) => [String(r.taskId), r.output ?? null]),
    ),
  };
}

/**
 * A record event's (or a record sweep's) conditions on related records wait for the run (the
 * save, or the sweep's scan, cannot read them): checked once, before the first task, against the
 * record with its related records loaded.
 */
export function conditionsHold(run: Run, wf: Workflow, tpl: TemplateContext): boolean {
  const picked = run.source === 'record_event' || run.backfillId !== null;
  if (!picked || tpl.record === null) return true;
  return evaluateConditions(wf.conditions, { record: tpl.record, previous: tpl.previous });
}

export const unmetMessage = (wf: Workflow) =>
  `conditions not met when the run started (they look at related records): ${wf.conditions.conditions
    .map((c) => `${c.field} ${c.op.replace('_', ' ')}${c.value === undefined ? '' : ` ${JSON.stringify(c.value)}`}`)
    .join(wf.conditions.join === 'any' ? ' or ' : ' and ')}`;
