/**
 * Executes one leased run: its workflow's tasks in order against the run's context.
 * Progress (task results and $env) is saved after every task, so a run re-claimed after a
 * crash resumes after the last finished task instead of repeating it. A failing task stops
 * the run; later tasks do not run. While a run executes, its lease is renewed by a timer (the
 * lease heartbeat) and every task runs under its type's timeout; a lost lease aborts the task in
 * flight and the run writes nothing more (another worker holds it now).
 */
import { createTaskEffectLedger, firstAttemptLedger } from './task-effects.js';
import type { Knex } from 'knex';
import type { HostContext, HostLogger, ModuleInfo } from '../host.js';
import type { HookflowSettings } from '../config.js';
import type { TemplateContext, TemplateEngine } from './templates.js';
import type { AnyTaskDefinition, RunResponse, TaskRunContext, TaskServices } from './task-types.js';
import { TaskSkipped } from './task-types.js';
import type { StoredTask, Workflow } from './model.js';
import type { WorkflowStore } from './store.js';
import { finishRun, renewRunLease, saveRunProgress, type OnRunFailed } from './runs-lease.js';
import type { LeasedRun, Run, TaskResult } from './runs.js';
import { runWithinDeadline, taskTimeoutOf } from './task-deadline.js';
import { isTransientDbError } from '../storage/transient-errors.js';
import { isLeaseLost, withLeaseHeartbeat, type LeaseTimers } from '../storage/lease-heartbeat.js';
import { describeError, openTaskSecrets, refusedFields } from './run-errors.js';
import { addRelatedRecords } from './related-records.js';
import { buildRunContext, conditionsHold, unmetMessage } from './run-context.js';
import { createModuleList } from './module-list.js';
import { createInFlight } from './in-flight.js';

export interface ExecutorDeps {
  db: Knex;
  host: HostContext;
  store: WorkflowStore;
  taskTypes: Map<string, AnyTaskDefinition>;
  templates: TemplateEngine;
  settings(): HookflowSettings;
  logger: HostLogger;
  /** The delivery queue webhook tasks write to. Default none (webhook tasks then fail). */
  deliveries?: TaskServices['deliveries'];
  /** Written inside the transaction that fails a run (the failure alert). Default none. */
  onRunFailed?: OnRunFailed;
  /** Timers of the lease heartbeat. Default the real ones (tests drive them by hand). */
  leaseTimers?: LeaseTimers;
  /**
   * How long one read of the host's module list serves later runs (ms): a module the host stops
   * listing is seen by runs starting this long after. Default 0 (ask the host on every run).
   */
  modulesMaxAgeMs?: number;
}

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'skipped';
  error: string | null;
  response: RunResponse | null;
  taskResults: TaskResult[];
}

export type RunExecutor = ReturnType<typeof createRunExecutor>;

/** The lease an execution writes under: the token of the latest claim of its run by this process. */
interface HeldLease {
  owner: string;
}

export function createRunExecutor(deps: ExecutorDeps) {
  const modules = createModuleList({
    listModules: () => deps.host.records.listModules(),
    maxAgeMs: deps.modulesMaxAgeMs ?? 0,
    now: () => performance.now(),
  });
  // The context is built inside the task's try: opening its secrets is part of running it, so a
  // secret the key cannot open fails THIS task (named in the run) rather than the whole run.
  async function runTask(
    def: AnyTaskDefinition,
    task: StoredTask,
    contextWith: (secrets: Record<string, string>, signal: AbortSignal) => TaskRunContext,
    lease: AbortSignal,
  ): Promise<TaskResult> {
    const started = performance.now();
    const base = { taskId: task.id, type: task.type, title: task.title };
    try {
      const options = def.options.parse(task.options);
      const secrets = openTaskSecrets(deps.store, task);
      const output = await runWithinDeadline(taskTimeoutOf(def, deps.settings(), options), lease, (signal) =>
        def.run(options, contextWith(secrets, signal)),
      );
      const durationMs = Math.round(performance.now() - started);
      if (output instanceof TaskSkipped) return { ...base, status: 'skipped', durationMs, reason: output.reason };
      return { ...base, status: 'succeeded', durationMs, output: output ?? null };
    } catch (err) {
      // A lost database connection is not the task's failure: the run stays leased and is
      // claimed again after the lease expires, resuming at this task. A lost lease is not
      // either: the run is another worker's now.
      if (isTransientDbError(err) || isLeaseLost(err)) throw err;
      const fields = refusedFields(err);
      return {
        ...base,
        status: 'failed',
        durationMs: Math.round(performance.now() - started),
        error: describeError(err),
        ...(fields ? { fields } : {}),
      };
    }
  }

  // A disabled webhook still records every event: its deliveries are written held (never
  // skipped), so re-enabling it sends them, in order, and nothing is lost meanwhile.
  function deliveriesFor(task: StoredTask): TaskServices['deliveries'] {
    const queue = deps.deliveries;
    if (!queue || task.disabledAt == null) return queue;
    return { ...queue, enqueue: (delivery) => queue.enqueue({ ...delivery, held: true }) };
  }

  const effects = createTaskEffectLedger(deps.db);
  const firstEffects = firstAttemptLedger(effects);
  const inFlight = createInFlight<string, RunOutcome>();
  // The lease each execution in flight writes under, by the same key.
  const held = new Map<string, HeldLease>();

  function services(tpl: TemplateContext, task: StoredTask, run: Run): TaskServices {
    return {
      host: deps.host,
      db: deps.db,
      settings: deps.settings,
      render: (value, opts) => deps.templates.render(value, tpl, opts),
      renderString: (template, opts) => deps.templates.renderString(template, tpl, opts),
      deliveries: deliveriesFor(task),
      effects: run.attempts === 1 ? firstEffects : effects,
    };
  }

  async function runTasks(
    run: Run,
    wf: Workflow,
    held: HeldLease,
    lease: AbortSignal,
    moduleInfo: ModuleInfo,
  ): Promise<RunOutcome> {
    const tpl = await buildRunContext(run, deps.host);
    const related = await addRelatedRecords(deps.host.records, run.module, tpl.record, wf);
    const unmet = related.relatedConditions && run.taskResults.length === 0 && !conditionsHold(run, wf, tpl);
    if (unmet) return { status: 'skipped', error: unmetMessage(wf), response: null, taskResults: [] };
    // Resume: tasks that already succeeded (before a crash) are not repeated.
    const done = new Map(run.taskResults.filter((r) => r.status !== 'failed').map((r) => [r.taskId, r]));
    const results: TaskResult[] = [];
    let response: RunResponse | null = (run.output as RunResponse | null) ?? null;
    const info = {
      id: run.id,
      workflowId: wf.id,
      workflowTitle: wf.title,
      module: run.module,
      recordId: run.recordId,
      source: run.source,
      eventType: run.event.type,
      chainDepth: run.chainDepth,
      actorUserId: run.actorUserId,
      originSystem: run.originSystem,
      moduleInfo,
    };
    // After task i, does only pure work follow? (Then nothing outside the run can happen twice.)
    const onlyPureAfter = (i: number) => wf.tasks.slice(i + 1).every((t) => deps.taskTypes.get(t.type)?.pure);
    for (const [index, task] of wf.tasks.entries()) {
      const previous = done.get(task.id);
      if (previous) {
        results.push(previous);
        continue;
      }
      const def = deps.taskTypes.get(task.type);
      const contextWith = (secrets: Record<string, string>, signal: AbortSignal): TaskRunContext => ({
        run: info,
        task: { id: task.id, type: task.type, title: task.title },
        tpl,
        secrets,
        services: services(tpl, task, run),
        setResponse: (r) => {
          response = r;
        },
        signal,
      });
      const result = def
        ? await runTask(def, task, contextWith, lease)
        : {
            taskId: task.id,
            type: task.type,
            title: task.title,
            status: 'failed' as const,
            durationMs: 0,
            error: `unknown task type ${task.type}`,
          };
      results.push(result);
      if (result.status === 'succeeded') tpl.steps = { ...tpl.steps, [String(task.id)]: result.output ?? null };
      if (result.status === 'failed') {
        run.env = tpl.env;
        return {
          status: 'failed',
          error: `Task "${task.title}" (${task.type}) failed: ${result.error}`,
          response,
          taskResults: results,
        };
      }
      // A pure task changed nothing outside the run: repeating it after a crash is harmless, so
      // its progress is not worth a write (the next save or finishRun records it). A ledgered one
      // finds its note when repeated; its write is skipped only when pure tasks alone follow, as
      // the write is also the lease check before the next task with an effect.
      if (def?.pure || (def?.ledgered && onlyPureAfter(index))) continue;
      const kept = await saveRunProgress(deps.db, run.id, held.owner, deps.settings().leaseSeconds, {
        taskResults: results,
        env: tpl.env,
      });
      if (!kept) throw new Error(`run ${run.id}: lease lost; another worker took over`);
    }
    run.env = tpl.env;
    return { status: 'succeeded', error: null, response, taskResults: results };
  }

  /**
   * Runs the tasks unless the host no longer lists the workflow's module: then the run is skipped
   * (no alert, no task), once per event, saying why; the workflows page flags the workflow.
   */
  async function runListed(run: Run, wf: Workflow, held: HeldLease, lease: AbortSignal): Promise<RunOutcome> {
    const moduleInfo = await modules.find(wf.module);
    if (moduleInfo) return runTasks(run, wf, held, lease, moduleInfo);
    const error = `module ${wf.module} no longer exists (the host does not list it); the workflow does not run`;
    deps.logger.warn({ runId: run.id, workflowId: wf.id, module: wf.module }, error);
    return { status: 'skipped', error, response: null, taskResults: [] };
  }

  async function executeLeased(run: Run, held: HeldLease, lease: AbortSignal, loaded?: Workflow): Promise<RunOutcome> {
    const wf = loaded?.id === run.workflowId ? loaded : await deps.store.get(run.workflowId);
    let outcome: RunOutcome;
    if (!wf)
      outcome = {
        status: 'failed',
        error: `workflow ${run.workflowId} no longer exists`,
        response: null,
        taskResults: [],
      };
    else {
      try {
        outcome = await runListed(run, wf, held, lease);
      } catch (err) {
        if (isLeaseLost(err) || /lease lost/.test(describeError(err)) || isTransientDbError(err)) throw err;
        outcome = { status: 'failed', error: describeError(err), response: null, taskResults: run.taskResults };
      }
    }
    // Lost meanwhile: the new holder decides the outcome (finishRun would refuse it anyway).
    lease.throwIfAborted();
    // A failed run's alert row is written by finishRun, in the same transaction.
    await finishRun(
      deps.db,
      run,
      held.owner,
      {
        status: outcome.status,
        taskResults: outcome.taskResults,
        env: run.env,
        output: outcome.response ?? undefined,
        error: outcome.error,
      },
      deps.onRunFailed,
    );
    if (outcome.status === 'failed')
      deps.logger.warn({ runId: run.id, workflowId: run.workflowId, error: outcome.error }, 'workflow run failed');
    return outcome;
  }

  return {
    /**
     * Executes a run this worker holds the lease of (every write checks `run.leaseOwner`, the
     * claim's token) and records the outcome. `loaded` is the workflow when the caller has just
     * read it (a sync start), saving a second read.
     */
    execute(run: LeasedRun, workerId: string, loaded?: Workflow): Promise<RunOutcome> {
      const key = `${workerId}\n${run.id}`;
      // Claimed again by this process while its execution is still in flight (the lease ran out
      // while it stalled): that execution is alive, so it goes on under the new claim's token.
      const current = held.get(key);
      if (current) current.owner = run.leaseOwner;
      const lease = current ?? { owner: run.leaseOwner };
      const leaseSeconds = deps.settings().leaseSeconds;
      const heartbeat = {
        renew: () => renewRunLease(deps.db, run.id, lease.owner, leaseSeconds),
        leaseMs: leaseSeconds * 1000,
        timers: deps.leaseTimers,
        onRenewError: (err: unknown) =>
          deps.logger.warn({ runId: run.id, err: describeError(err) }, 'run lease could not be renewed; trying again'),
      };
      // Keyed by worker, not by claim: this process never runs one run twice at once, even when
      // it claimed it again after its lease expired. Another worker id is fenced by the lease.
      return inFlight.once(key, () => {
        held.set(key, lease);
        return withLeaseHeartbeat(heartbeat, (signal) => executeLeased(run, lease, signal, loaded)).finally(() =>
          held.delete(key),
        );
      });
    },
  };
}
