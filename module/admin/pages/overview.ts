/**
 * Overview: the master switch, the inbound short URL, delivery and run counts of the last 24
 * hours (failed runs next to failed deliveries: both are failures an admin must look at) and
 * the 7-day chart. Counts are aggregated in SQL; bucketing and geometry are pure (chart.ts).
 */
import type { Router } from 'express';
import type { Knex } from 'knex';
import { dbNowMs, engineOf } from '../../storage/engine.js';
import { DELIVERY_STATUSES } from '../../outbound/queue/enqueue.js';
import { HOUR_MS, bucketByHour, buildChart, type HourCount } from './chart.js';
import { shortUrlOf } from '../../inbound/short-url.js';
import { countRunsSince } from '../../workflows/runs.js';
import { text } from './form-values.js';
import type { PagesContext } from './context.js';

const CHART_HOURS = 7 * 24;

async function countsSince(db: Knex, sinceMs: number): Promise<Record<string, number>> {
  const rows = await db('hookflow_deliveries').where('created_at', '>=', sinceMs).select('status').count({ n: '*' }).groupBy('status');
  const counts: Record<string, number> = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0]));
  for (const r of rows as Array<{ status: string; n: unknown }>) counts[r.status] = Number(r.n);
  return counts;
}

async function hourlyCounts(db: Knex, sinceMs: number): Promise<HourCount[]> {
  // created_at is an integer column: SQLite divides integers exactly like FLOOR for positives.
  const hour = engineOf(db) === 'mysql' ? `FLOOR(created_at / ${HOUR_MS})` : `(created_at / ${HOUR_MS})`;
  const rows = await db('hookflow_deliveries')
    .where('created_at', '>=', sinceMs)
    .select(db.raw(`${hour} AS hour`), 'status')
    .count({ n: '*' })
    .groupByRaw(`${hour}, status`);
  return (rows as Array<{ hour: unknown; status: string; n: unknown }>).map((r) => ({ hour: Number(r.hour), status: r.status, count: Number(r.n) }));
}

async function workflowCounts(db: Knex): Promise<{ total: number; active: number }> {
  const rows = await db('hookflow_workflows').select('status').count({ n: '*' }).groupBy('status');
  let total = 0;
  let active = 0;
  for (const r of rows as Array<{ status: string; n: unknown }>) {
    total += Number(r.n);
    if (r.status === 'active') active += Number(r.n);
  }
  return { total, active };
}

/** The run tiles: failed first (what needs attention), then succeeded, skipped, and queued + running. */
function runTiles(runs: Awaited<ReturnType<typeof countRunsSince>>) {
  return [
    { status: 'failed', filter: 'failed', n: runs.failed },
    { status: 'succeeded', filter: 'succeeded', n: runs.succeeded },
    { status: 'skipped', filter: 'skipped', n: runs.skipped },
    // Two short-lived states in one tile (the runs page lists them under "Any status").
    { status: 'running', label: 'in progress', filter: '', n: runs.queued + runs.running },
  ];
}

export function registerOverview(router: Router, ctx: PagesContext): void {
  const { deps, render } = ctx;
  router.get('/', async (req, res) => {
    const nowMs = await dbNowMs(deps.db);
    const settings = deps.settingsStore.get();
    const firstHourMs = (Math.floor(nowMs / HOUR_MS) - CHART_HOURS + 1) * HOUR_MS;
    const since = nowMs - 24 * HOUR_MS;
    const [counts, hourly, workflows, runs] = await Promise.all([countsSince(deps.db, since), hourlyCounts(deps.db, firstHourMs), workflowCounts(deps.db), countRunsSince(deps.db, since)]);
    render(req, res, 'overview', {
      title: 'Overview',
      section: 'overview',
      enabled: settings.enabled,
      shortUrl: shortUrlOf(deps.host.baseUrl, deps.manifest.routes.inbound, settings.shortUrlPath),
      counts: DELIVERY_STATUSES.map((status) => ({ status, n: counts[status] })),
      runCounts: runTiles(runs),
      chart: buildChart(bucketByHour(hourly, nowMs, CHART_HOURS)),
      workflows,
    });
  });

  router.post('/enabled', async (req, res) => {
    const enabled = text(req.body, 'enabled') === 'true';
    await deps.settingsStore.save({ enabled });
    deps.logger.info({ enabled, userId: res.locals.user?.id }, enabled ? 'hookflow switched on' : 'hookflow switched off');
    if (enabled) deps.wake();
    res.redirect(303, `${ctx.base(res)}/?notice=${enabled ? 'enabled' : 'disabled'}`);
  });
}
