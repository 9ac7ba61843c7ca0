/**
 * Overview: the master switch, the inbound short URL, delivery and run counts of the last 24
 * hours (failed runs next to failed deliveries: both are failures an admin must look at) and
 * the 7-day chart. Counts are aggregated in SQL; bucketing and geometry are pure (chart.ts).
 */
import type { Router } from 'express';
import { dbNowMs } from '../../storage/engine.js';
import { DELIVERY_STATUSES } from '../../outbound/queue/enqueue.js';
import { HOUR_MS, bucketByHour, buildChart } from './chart.js';
import { shortUrlOf } from '../../inbound/short-url.js';
import { countRunsSince } from '../../workflows/runs.js';
import { countDeliveriesSince, hourlyDeliveryCounts } from '../../outbound/queue/read.js';
import { heldCountsByTask } from '../../outbound/queue/hold.js';
import { listHeldDestinations } from '../../outbound/queue/destinations.js';
import { tryDestinationNow } from '../../outbound/log-api.js';
import { text } from '../../forms/form-values.js';
import type { PagesContext } from './context.js';

const CHART_HOURS = 7 * 24;

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
    const [counts, hourly, workflows, runs, disabled, held, heldDestinations] = await Promise.all([
      countDeliveriesSince(deps.db, since),
      hourlyDeliveryCounts(deps.db, firstHourMs),
      deps.store.counts(),
      countRunsSince(deps.db, since),
      deps.store.listDisabledTasks(),
      heldCountsByTask(deps.db),
      listHeldDestinations(deps.db),
    ]);
    render(req, res, 'overview', {
      title: 'Overview',
      section: 'overview',
      enabled: settings.enabled,
      shortUrl: shortUrlOf(deps.host.baseUrl, deps.manifest.routes.inbound, settings.shortUrlPath),
      counts: DELIVERY_STATUSES.map((status) => ({ status, n: counts[status] })),
      runCounts: runTiles(runs),
      chart: buildChart(bucketByHour(hourly, nowMs, CHART_HOURS)),
      workflows,
      // What needs an admin first: webhooks a receiver disabled, and what they hold.
      disabledWebhooks: disabled.map((t) => ({
        ...t,
        held: held.get(t.taskId) ?? 0,
        title: `${t.workflowTitle} › ${t.taskTitle}`,
      })),
      // Receivers that failed N times in a row: their deliveries wait while the worker probes them.
      heldDestinations: heldDestinations.map((d) => ({
        ...d,
        probeDue: d.nextProbeAt !== null && d.nextProbeAt <= nowMs,
      })),
    });
  });

  // "Try now" on a held destination: its oldest delivery is sent as the probe at once.
  router.post('/destinations/probe', async (req, res) => {
    const host = text(req.body, 'host');
    await tryDestinationNow(deps.db, host);
    deps.logger.info({ host, userId: res.locals.user?.id }, 'held destination: probe requested now');
    deps.wake();
    res.redirect(303, `${ctx.base(res)}/?notice=destination-probing`);
  });

  router.post('/enabled', async (req, res) => {
    const enabled = text(req.body, 'enabled') === 'true';
    await deps.settingsStore.save({ enabled });
    deps.logger.info(
      { enabled, userId: res.locals.user?.id },
      enabled ? 'hookflow switched on' : 'hookflow switched off',
    );
    if (enabled) deps.wake();
    res.redirect(303, `${ctx.base(res)}/?notice=${enabled ? 'enabled' : 'disabled'}`);
  });
}
