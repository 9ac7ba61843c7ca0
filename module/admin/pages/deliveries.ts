/**
 * The webhook log: filter by status, workflow, webhook action, record and time; open one
 * delivery with its request (secret-looking headers masked) and every attempt; Resend; bulk
 * "resend failed since …". All reads and writes go through outbound/log-api.ts.
 * Alert mails link to `<admin>/deliveries/<id>`: keep that path.
 */
import type { Request, Router } from 'express';
import { HookflowError } from '../../errors.js';
import { parseInput } from '../../validation-messages.js';
import { parseId } from '../../http-errors.js';
import { dbNowMs } from '../../storage/engine.js';
import { DELIVERY_STATUSES } from '../../outbound/queue/enqueue.js';
import { heldCountsByTask } from '../../outbound/queue/hold.js';
import { listHeldDestinations } from '../../outbound/queue/destinations.js';
import { memoRateLimits, rateWaitOf } from '../../outbound/queue/rate-buckets.js';
import {
  DeliveryLogQuery,
  getDeliveryWithAttempts,
  listDeliveryLog,
  resendDelivery,
  resendFailedDeliveries,
} from '../../outbound/log-api.js';
import type { PagesContext } from './context.js';
import { cursorPager, pageRequestOf, readCursor } from './cursor-pager.js';
import { text } from '../../forms/form-values.js';
import { periodOptions, periodSince, prettyBody, queryString } from './view-models.js';

const PER_PAGE = 25;

/** Filter values exactly as typed (re-shown in the form) and as the log query reads them. */
function readFilters(req: Request) {
  const q = req.query as Record<string, unknown>;
  const s = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim() : '');
  return {
    status: s('status'),
    workflowId: s('workflowId'),
    taskId: s('taskId'),
    recordId: s('recordId'),
    period: s('period') || 'all',
    cursor: readCursor(q),
  };
}

function statusOptions(selected: string) {
  return [
    { value: '', label: 'Any status', selected: selected === '' },
    ...DELIVERY_STATUSES.map((s) => ({ value: s, label: s[0].toUpperCase() + s.slice(1), selected: s === selected })),
  ];
}

export function registerDeliveries(router: Router, ctx: PagesContext): void {
  const { deps, render } = ctx;
  const rateLimits = memoRateLimits();
  // Why a due queued delivery is not being sent: its destination's rate limit or a 429 pause.
  const rateWaitOfQueued = async (d: { status: string; nextAttemptAt: number | null; destinationHost: string }) => {
    if (d.status !== 'queued' || d.nextAttemptAt === null) return null;
    const nowMs = await dbNowMs(deps.db);
    if (d.nextAttemptAt > nowMs) return null;
    return rateWaitOf(deps.db, d.destinationHost, rateLimits(deps.settingsStore.get()), nowMs);
  };

  router.get('/deliveries', async (req, res) => {
    const f = readFilters(req);
    const nowMs = await dbNowMs(deps.db);
    const query = parseInput(
      DeliveryLogQuery,
      {
        status: f.status || undefined,
        workflowId: f.workflowId || undefined,
        taskId: f.taskId || undefined,
        recordId: f.recordId || undefined,
        since: periodSince(f.period, nowMs),
        ...pageRequestOf(f.cursor, PER_PAGE),
      },
      'Invalid filter',
    );
    const [{ deliveries, ...page }, workflows, heldHosts] = await Promise.all([
      listDeliveryLog(deps.db, query),
      deps.store.list(),
      listHeldDestinations(deps.db),
    ]);
    const held = new Set(heldHosts.map((h) => h.host));
    const titles = new Map(workflows.map((w) => [w.id, w.title]));
    const taskTitles = new Map(workflows.flatMap((w) => w.tasks.map((t) => [t.id, t.title] as const)));
    const keep = {
      status: f.status,
      workflowId: f.workflowId,
      taskId: f.taskId,
      recordId: f.recordId,
      period: f.period === 'all' ? '' : f.period,
    };
    render(req, res, 'deliveries', {
      title: 'Webhook log',
      section: 'deliveries',
      filters: f,
      filtered: Object.values(keep).some((v) => v !== ''),
      statuses: statusOptions(f.status),
      periods: periodOptions(f.period),
      workflows: workflows.map((w) => ({ id: w.id, title: w.title, selected: String(w.id) === f.workflowId })),
      taskTitle: f.taskId ? (taskTitles.get(Number(f.taskId)) ?? `action ${f.taskId}`) : null,
      deliveries: deliveries.map((d) => ({
        ...d,
        waitingForDestination: (d.status === 'queued' || d.status === 'dispatched') && held.has(d.destinationHost),
        extraError: d.lastError && d.lastError !== `HTTP ${d.lastStatusCode}` ? d.lastError : null,
        workflowTitle: d.workflowId ? (titles.get(d.workflowId) ?? `workflow ${d.workflowId}`) : '',
        taskTitle: d.taskId ? (taskTitles.get(d.taskId) ?? '') : '',
      })),
      pager: cursorPager(
        { ...page, count: deliveries.length },
        f.cursor,
        PER_PAGE,
        (cursor) => `${ctx.base(res)}/deliveries${queryString({ ...keep, ...cursor })}`,
      ),
      bulkSince: new Date(nowMs - 24 * 3600_000).toISOString().slice(0, 16),
      nowIso: new Date(nowMs).toISOString().slice(0, 16),
    });
  });

  router.get('/deliveries/:id', async (req, res) => {
    const { delivery, attempts, destination } = await getDeliveryWithAttempts(deps.db, parseId(req.params.id));
    const wf = delivery.workflowId ? await deps.store.get(delivery.workflowId) : null;
    const task = wf?.tasks.find((t) => t.id === delivery.taskId) ?? null;
    render(req, res, 'delivery', {
      title: `Delivery ${delivery.id}`,
      section: 'deliveries',
      d: delivery,
      wf,
      task,
      // Only a finished delivery can be resent (one still queued or being sent is on its way).
      resendable: delivery.status === 'success' || delivery.status === 'failed',
      destination,
      rateWait: await rateWaitOfQueued(delivery),
      disabled: task?.disabledAt ? { ...task, held: (await heldCountsByTask(deps.db)).get(task.id) ?? 0 } : null,
      lastError:
        delivery.lastError && delivery.lastError !== `HTTP ${delivery.lastStatusCode}` ? delivery.lastError : null,
      headers: Object.entries(delivery.headers).map(([name, value]) => ({ name, value })),
      body: prettyBody(delivery.body, delivery.contentType),
      attempts: attempts
        .map((a) => ({
          no: a.attemptNo,
          outcome: a.outcome,
          statusCode: a.statusCode,
          // "HTTP 500" repeats the badge; only other errors (timeouts, refusals) are worth a line.
          error: a.error && a.error !== `HTTP ${a.statusCode}` ? a.error : null,
          startedAt: a.startedAt,
          durationMs: a.durationMs,
          body: a.responseBody ?? '',
          requestedBy: a.requestedBy,
          // A 2xx whose answer could not be saved is a failure (its error says why).
          ok: a.outcome === 'success' && !a.error,
          writeBack: a.error ? null : a.writeBack,
        }))
        .reverse(),
    });
  });

  router.post('/deliveries/:id/resend', async (req, res) => {
    const delivery = await resendDelivery(deps.db, parseId(req.params.id), res.locals.user ?? null);
    deps.wake();
    res.redirect(303, `${ctx.base(res)}/deliveries/${delivery.id}?notice=resent`);
  });

  router.post('/deliveries/resend-failed', async (req, res) => {
    const sinceText = text(req.body, 'since');
    // datetime-local has no zone; the form says UTC and so do we.
    const since = Date.parse(/Z|[+-]\d\d:\d\d$/.test(sinceText) ? sinceText : `${sinceText}Z`);
    if (!Number.isFinite(since))
      throw new HookflowError('bad_request', 'Choose the time from which failed deliveries are sent again');
    const taskId = /^\d+$/.test(text(req.body, 'taskId')) ? Number(text(req.body, 'taskId')) : undefined;
    const workflowId = /^\d+$/.test(text(req.body, 'workflowId')) ? Number(text(req.body, 'workflowId')) : undefined;
    const { resent, skipped } = await resendFailedDeliveries(
      deps.db,
      { since, taskId, workflowId },
      res.locals.user ?? null,
    );
    if (resent.length > 0) deps.wake();
    const notice = resent.length === 0 ? 'bulk-none' : skipped.length > 0 ? 'bulk-resent-skipped' : 'bulk-resent';
    const back = queryString({ taskId, workflowId, notice });
    res.redirect(303, `${ctx.base(res)}/deliveries${back}`);
  });
}
