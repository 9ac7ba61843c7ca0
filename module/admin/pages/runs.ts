/**
 * The runs log: record-event, HTTP, manual and re-runs with status, source, source IP,
 * duration and per-task results; `$env` with sensitive-looking values masked; Re-run for
 * failed runs (the same RunStarter.rerun the API uses). A failed run's page leads with why
 * (alerts/run-failure.ts, the same facts its alert mail gives): the failed task, the reason,
 * each refused field — or, when no task failed, that the run failed before (or after) its tasks.
 */
import type { Request, Router } from 'express';
import { HookflowError } from '../../errors.js';
import { parseId } from '../../http-errors.js';
import { dbNowMs } from '../../storage/engine.js';
import { RUN_STATUSES, getRun, listRuns, type Run, type TaskResult } from '../../workflows/runs.js';
import { runFailureOf } from '../../alerts/run-failure.js';
import { actorId, type PagesContext } from './context.js';
import { cursorPager, pageRequestOf, readCursor } from './cursor-pager.js';
import { maskSensitive, periodOptions, periodSince, queryString } from './view-models.js';

const PER_PAGE = 25;
const SOURCES = [
  { value: 'record_event', label: 'Record event' },
  { value: 'http', label: 'HTTP call' },
  { value: 'manual', label: 'Manual' },
  { value: 'rerun', label: 'Re-run' },
  { value: 'schedule', label: 'Schedule' },
  { value: 'backfill', label: 'Run for existing records' },
];

function readFilters(req: Request) {
  const q = req.query as Record<string, unknown>;
  const s = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim() : '');
  const id = (k: string) => (/^[1-9]\d{0,14}$/.test(s(k)) ? Number(s(k)) : undefined);
  return {
    status: (RUN_STATUSES as readonly string[]).includes(s('status')) ? s('status') : '',
    source: SOURCES.some((x) => x.value === s('source')) ? s('source') : '',
    workflowId: id('workflowId'),
    recordId: id('recordId'),
    backfillId: id('backfillId'),
    period: s('period') || 'all',
    cursor: readCursor(q),
  };
}

function durationOf(run: Pick<Run, 'startedAt' | 'finishedAt'>): number | null {
  return run.startedAt && run.finishedAt ? Math.max(0, run.finishedAt - run.startedAt) : null;
}

const sourceLabel = (s: string) => SOURCES.find((x) => x.value === s)?.label ?? s;

// One task of the run page: output masked and pretty, refused fields as rows.
function taskView(t: TaskResult, i: number) {
  return {
    ...t,
    no: i + 1,
    deliveryId: (t.output as { deliveryId?: unknown } | null)?.deliveryId ?? null,
    output: t.output === undefined || t.output === null ? null : JSON.stringify(maskSensitive(t.output), null, 2),
    fields: Object.entries(t.fields ?? {}).map(([name, message]) => ({ name, message })),
  };
}

export function registerRuns(router: Router, ctx: PagesContext): void {
  const { deps, render } = ctx;

  router.get('/runs', async (req, res) => {
    const f = readFilters(req);
    const since = periodSince(f.period, await dbNowMs(deps.db));
    const [{ runs, ...page }, workflows] = await Promise.all([
      listRuns(deps.db, {
        status: (f.status || undefined) as never,
        source: (f.source || undefined) as never,
        workflowId: f.workflowId,
        recordId: f.recordId,
        backfillId: f.backfillId,
        since,
        ...pageRequestOf(f.cursor, PER_PAGE),
      }),
      deps.store.list(),
    ]);
    const titles = new Map(workflows.map((w) => [w.id, w.title]));
    const keep = {
      status: f.status,
      source: f.source,
      workflowId: f.workflowId,
      recordId: f.recordId,
      backfillId: f.backfillId,
      period: f.period === 'all' ? '' : f.period,
    };
    render(req, res, 'runs', {
      title: 'Runs',
      section: 'runs',
      filters: f,
      filtered: Object.values(keep).some((v) => v !== '' && v !== undefined),
      statuses: [
        { value: '', label: 'Any status', selected: !f.status },
        ...RUN_STATUSES.map((s) => ({ value: s, label: s, selected: s === f.status })),
      ],
      sources: [
        { value: '', label: 'Any source', selected: !f.source },
        ...SOURCES.map((s) => ({ ...s, selected: s.value === f.source })),
      ],
      workflows: workflows.map((w) => ({ id: w.id, title: w.title, selected: w.id === f.workflowId })),
      periods: periodOptions(f.period),
      runs: runs.map((r) => ({
        ...r,
        workflowTitle: titles.get(r.workflowId) ?? `workflow ${r.workflowId}`,
        sourceLabel: sourceLabel(r.source),
        durationMs: durationOf(r),
        taskCount: r.taskResults.length,
      })),
      pager: cursorPager(
        { ...page, count: runs.length },
        f.cursor,
        PER_PAGE,
        (cursor) => `${ctx.base(res)}/runs${queryString({ ...keep, ...cursor })}`,
      ),
    });
  });

  router.get('/runs/:id', async (req, res) => {
    const run = await getRun(deps.db, parseId(req.params.id));
    if (!run) throw new HookflowError('not_found', `run ${req.params.id} not found`);
    const wf = await deps.store.get(run.workflowId);
    const env = maskSensitive(run.env) as Record<string, unknown>;
    render(req, res, 'run', {
      title: `Run ${run.id}`,
      section: 'runs',
      run,
      wf,
      sourceLabel: sourceLabel(run.source),
      durationMs: durationOf(run),
      // A blank value (a form's empty input) is said as such, not drawn as nothing.
      env: Object.entries(env).map(([name, value]) => ({
        name,
        value: typeof value === 'string' ? value : JSON.stringify(value),
        blank: typeof value === 'string' && value.trim() === '',
      })),
      tasks: run.taskResults.map(taskView),
      failure: runFailureOf(run),
      output: run.output == null ? null : JSON.stringify(maskSensitive(run.output), null, 2),
      canRerun: run.status === 'failed' && wf !== null,
    });
  });

  router.post('/runs/:id/rerun', async (req, res) => {
    const old = await getRun(deps.db, parseId(req.params.id));
    if (!old) throw new HookflowError('not_found', `run ${req.params.id} not found`);
    const wf = await deps.store.require(old.workflowId);
    const started = await deps.starter.rerun(old.id, wf, actorId(res));
    res.redirect(303, `${ctx.base(res)}/runs/${started.runId}?notice=rerun`);
  });
}
