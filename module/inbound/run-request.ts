/**
 * The permitted part of an inbound request: find the workflow(s), check the record and the
 * declared `$env` fields, start the run(s) and turn the outcome into an answer.
 * Order matters: every check that can refuse happens BEFORE the first run row is written, so a
 * refused request never leaves a half-started trigger behind.
 */
import type { Knex } from 'knex';
import type { HostContext } from '../host.js';
import { HookflowError, type FieldErrors } from '../errors.js';
import type { Workflow } from '../workflows/model.js';
import type { WorkflowLookup } from '../workflows/workflow-catalog.js';
import type { RunStarter, StartedRun, StartRunInput } from '../workflows/start-run.js';
import type { RunEvent } from '../workflows/runs.js';
import type { ControlParams } from './control-params.js';
import type { Permission } from './permissions.js';
import { checkRequiredEnv } from './required-env.js';

export interface RunRequestDeps {
  db: Knex;
  host: HostContext;
  workflowLookup: WorkflowLookup;
  starter: RunStarter;
}

export interface RunRequest {
  params: ControlParams;
  env: Record<string, unknown>;
  permission: Permission;
  clientIp: string;
  /** Told each sync run's id in the transaction that stores it, before it runs. Default none. */
  onRunStored?: (runId: number, trx: Knex.Transaction) => Promise<void>;
}

export interface RunRequestResult {
  mode: 'sync' | 'async';
  started: Array<StartedRun & { workflow: Workflow }>;
}

/** The workflows a request addresses: 404 when none exists, 409 when none is active. */
export async function resolveWorkflows(
  store: Pick<WorkflowLookup, 'get' | 'findByTriggerName'>,
  params: ControlParams,
): Promise<Workflow[]> {
  const found =
    params.workflowId !== undefined
      ? [await store.get(params.workflowId)].filter((w): w is Workflow => w !== null)
      : await store.findByTriggerName(params.triggerName as string);
  const what =
    params.workflowId !== undefined ? `Workflow ${params.workflowId}` : `Trigger ${JSON.stringify(params.triggerName)}`;
  if (found.length === 0) throw new HookflowError('not_found', `${what} not found`);
  const active = found.filter((w) => w.status === 'active');
  if (active.length === 0) {
    const status = found[0].status;
    throw new HookflowError(
      'conflict',
      `${what} is ${status === 'draft' ? 'a draft' : 'inactive'}; activate it to run it over HTTP`,
    );
  }
  return active;
}

async function checkRecord(host: HostContext, workflows: Workflow[], recordId: number): Promise<void> {
  if (recordId === 0) return;
  for (const module of new Set(workflows.map((w) => w.module))) {
    if (!(await host.records.get(module, recordId)))
      throw new HookflowError('not_found', `${module} record ${recordId} not found`);
  }
}

function checkEnv(workflows: Workflow[], env: Record<string, unknown>): void {
  const fields: FieldErrors = {};
  for (const w of workflows) Object.assign(fields, checkRequiredEnv(w.requiredEnv, env));
  if (Object.keys(fields).length > 0)
    throw new HookflowError('validation_failed', 'Required fields are missing or invalid', fields);
}

export interface PreparedRequest {
  workflows: Workflow[];
  mode: 'sync' | 'async';
  /** Each workflow's event, read before a transaction is opened (see snapshotEvents). Default: read at start. */
  events?: RunEvent[];
}

/** Every check that can refuse (404/409/422); nothing is written. */
export async function prepareRequest(deps: RunRequestDeps, req: RunRequest): Promise<PreparedRequest> {
  const workflows = await resolveWorkflows(deps.workflowLookup, req.params);
  await checkRecord(deps.host, workflows, req.params.recordId);
  checkEnv(workflows, req.env);
  return { workflows, mode: req.params.mode ?? workflows[0].execMode };
}

function runInput(req: RunRequest, workflow: Workflow, mode: 'sync' | 'async'): StartRunInput {
  return {
    workflow,
    recordId: req.params.recordId === 0 ? null : req.params.recordId,
    env: req.env,
    source: 'http',
    mode,
    actorUserId: req.permission.runAsUserId ?? workflow.ownerUserId,
    permissionId: req.permission.id,
    sourceIp: req.clientIp,
    originSystem: req.permission.externalSystem,
  };
}

/**
 * The prepared request with each run's event read now, through the pool: call it BEFORE opening
 * the transaction startRequest inserts through (on SQLite that transaction holds the only
 * connection, and a record read inside it would wait for the acquire timeout).
 */
export async function snapshotEvents(
  deps: RunRequestDeps,
  req: RunRequest,
  prepared: PreparedRequest,
): Promise<PreparedRequest> {
  const events: RunEvent[] = [];
  for (const w of prepared.workflows) events.push(await deps.starter.snapshot(runInput(req, w, prepared.mode)));
  return { ...prepared, events };
}

/**
 * Starts every prepared workflow. Async runs are inserted through `trx` when given (the caller
 * commits them together with its idempotency record); sync runs never take a transaction.
 */
export async function startRequest(
  deps: RunRequestDeps,
  req: RunRequest,
  prepared: PreparedRequest,
  trx?: Knex.Transaction,
): Promise<RunRequestResult> {
  const { mode } = prepared;
  const started: RunRequestResult['started'] = [];
  for (const [i, workflow] of prepared.workflows.entries()) {
    const run = await deps.starter.start({
      ...runInput(req, workflow, mode),
      event: prepared.events?.[i],
      trx: mode === 'async' ? trx : undefined,
      onStored: req.onRunStored,
    });
    started.push({ ...run, workflow });
  }
  return { mode, started };
}
