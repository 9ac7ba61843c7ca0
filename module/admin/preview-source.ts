/**
 * What a request built outside a run renders against: a record (as a record event of the
 * workflow's trigger would carry it), a logged run (its event, $env and earlier steps, exactly
 * as the worker rebuilds them), or a sample record. "Send test" and "Preview" both start here.
 */
import type { HostUser, ModuleInfo } from '../host.js';
import { HookflowError } from '../errors.js';
import type { Workflow } from '../workflows/model.js';
import type { RunInfo } from '../workflows/task-types.js';
import type { TemplateContext } from '../workflows/templates.js';
import { getRun, type Run } from '../workflows/runs.js';
import { buildRunContext } from '../workflows/run-context.js';
import { addRelatedRecords } from '../workflows/related-records.js';
import type { TaskRequestDeps } from './task-request.js';

export interface RequestSource {
  tpl: TemplateContext;
  run: RunInfo;
  /** "Deals record 5", "run 12 (Deals record 5)", "a sample Deal record". */
  label: string;
}

/** Plausible values for each field type, for a request without a real record. */
export function sampleRecord(mod: ModuleInfo | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { id: 0 };
  for (const f of mod?.fields ?? []) {
    out[f.name] =
      f.type === 'number'
        ? 1000
        : f.type === 'boolean'
          ? true
          : f.type === 'email'
            ? 'sample@example.com'
            : f.type === 'date'
              ? '2026-01-15'
              : f.type === 'picklist'
                ? (f.options?.[0] ?? '')
                : `Sample ${f.label.toLowerCase()}`;
  }
  return out;
}

function sampleEnv(wf: Workflow): Record<string, unknown> {
  return Object.fromEntries(
    wf.requiredEnv.map((e) => [
      e.name,
      e.type === 'number' ? 1 : e.type === 'email' ? 'sample@example.com' : `sample ${e.name}`,
    ]),
  );
}

/** The event type a run of `wf` carries (record.saved runs as an update). */
export function eventTypeOf(wf: Workflow): string {
  return wf.trigger === 'http' ? 'http' : wf.trigger === 'record.saved' ? 'record.updated' : wf.trigger;
}

async function moduleOf(deps: TaskRequestDeps, name: string): Promise<ModuleInfo | null> {
  return (await deps.host.records.listModules()).find((m) => m.name === name) ?? null;
}

function runInfo(wf: Workflow, run: Pick<Run, 'id' | 'recordId' | 'source' | 'chainDepth' | 'actorUserId'>) {
  return { workflowId: wf.id, workflowTitle: wf.title, module: wf.module, ...run };
}

/** "Send test": the record (or a sample), an event of type `test`, a manual run of the acting admin. */
export async function testSource(
  deps: TaskRequestDeps,
  wf: Workflow,
  recordId: number | null,
  actor: HostUser | null,
): Promise<RequestSource> {
  const mod = await moduleOf(deps, wf.module);
  const found = recordId ? await deps.host.records.get(wf.module, recordId) : null;
  if (recordId && !found) throw new Error(`${wf.module} record ${recordId} does not exist`);
  const owner = found ? await deps.host.users.get(found.ownerUserId) : actor;
  const event = {
    type: 'test',
    module: wf.module,
    recordId: found?.id ?? null,
    time: deps.host.now().toISOString(),
    runId: 0,
    source: 'test',
  };
  return {
    label: found ? `${wf.module} record ${found.id}` : `a sample ${mod?.label ?? wf.module} record`,
    tpl: {
      env: sampleEnv(wf),
      record: found ? { id: found.id, ...found.fields } : sampleRecord(mod ?? undefined),
      previous: null,
      event,
      user: owner ? { id: owner.id, name: owner.name, email: owner.email } : null,
    },
    run: {
      ...runInfo(wf, { id: 0, recordId, source: 'manual', chainDepth: 0, actorUserId: actor?.id ?? null }),
      eventType: eventTypeOf(wf),
      moduleInfo: mod,
    },
  };
}

/** A logged run of `wf`, rendered as the worker renders it (the $env it started with). */
async function loggedRunSource(deps: TaskRequestDeps, wf: Workflow, runId: number): Promise<RequestSource> {
  const run = await getRun(deps.db, runId);
  if (!run || run.workflowId !== wf.id)
    throw new HookflowError('validation_failed', 'No such run', {
      runId: `run ${runId} is not a run of this workflow`,
    });
  const tpl = await buildRunContext({ ...run, env: run.event.initialEnv ?? run.env }, deps.host);
  await addRelatedRecords(deps.host.records, wf.module, tpl.record, wf);
  return {
    label: `run ${run.id}${run.recordId ? ` (${wf.module} record ${run.recordId})` : ''}`,
    tpl,
    run: {
      ...runInfo(wf, {
        id: run.id,
        recordId: run.recordId,
        source: run.source,
        chainDepth: run.chainDepth,
        actorUserId: run.actorUserId,
      }),
      eventType: run.event.type,
      moduleInfo: await moduleOf(deps, wf.module),
    },
  };
}

/** `found` (null = a sample record) as a record event of the workflow's trigger would carry it now. */
async function recordEventSource(
  deps: TaskRequestDeps,
  wf: Workflow,
  found: { id: number; ownerUserId: number; fields: Record<string, unknown> } | null,
  actor: HostUser | null,
): Promise<RequestSource> {
  const mod = await moduleOf(deps, wf.module);
  const record = found ?? { id: 0, ownerUserId: actor?.id ?? 0, fields: sampleRecord(mod ?? undefined) };
  const type = eventTypeOf(wf);
  const recordId = found ? found.id : null;
  const source = wf.trigger === 'http' ? 'http' : 'record_event';
  const actorUserId = actor?.id ?? null;
  const event = { type, module: wf.module, recordId, timeMs: deps.host.now().getTime(), actorUserId };
  const tpl = await buildRunContext(
    {
      id: 0,
      module: wf.module,
      recordId,
      source,
      event: { ...event, record, previous: null },
      env: source === 'http' ? sampleEnv(wf) : {},
      taskResults: [],
    },
    deps.host,
  );
  await addRelatedRecords(deps.host.records, wf.module, tpl.record, wf);
  return {
    label: found ? `${wf.module} record ${found.id}` : `a sample ${mod?.label ?? wf.module} record`,
    tpl,
    run: { ...runInfo(wf, { id: 0, recordId, source, chainDepth: 0, actorUserId }), eventType: type, moduleInfo: mod },
  };
}

/**
 * Preview: a logged run, else the record as a record event of the workflow's trigger would carry
 * it now (else a sample record), with the acting admin as actor. A missing record or run is a
 * field error (`recordId`, `runId`).
 */
export async function previewSource(
  deps: TaskRequestDeps,
  wf: Workflow,
  pick: { recordId?: number; runId?: number },
  actor: HostUser | null,
): Promise<RequestSource> {
  if (pick.runId) return loggedRunSource(deps, wf, pick.runId);
  const found = pick.recordId ? await deps.host.records.get(wf.module, pick.recordId) : null;
  if (pick.recordId && !found)
    throw new HookflowError('validation_failed', 'No such record', {
      recordId: `${wf.module} record ${pick.recordId} does not exist`,
    });
  return recordEventSource(deps, wf, found, actor);
}
