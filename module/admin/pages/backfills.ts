/**
 * "Run for existing records" on its own page of a workflow (`/workflows/:id/backfill`): the
 * filter form, a count before anything starts, then Start; every run of it with a progress bar
 * and Pause / Resume / Cancel. The page calls the same functions as the JSON API (backfill-api.ts).
 */
import type { Request, Response, Router } from 'express';
import { isHookflowError } from '../../errors.js';
import { parseId } from '../../http-errors.js';
import type { Workflow } from '../../workflows/model.js';
import { text } from '../../forms/form-values.js';
import { listSweeps } from '../../workflows/backfills.js';
import {
  countBackfill,
  moveSweep,
  startBackfill,
  type SweepMove,
  type SweepStartDeps,
} from '../../workflows/backfill-start.js';
import { requireSweep, sweepView } from '../backfill-api.js';
import { actorId, type PagesContext } from './context.js';

interface FilterValues {
  since: string;
  sinceField: string;
}

interface CountShown {
  count: number;
  limit: number;
  tooMany: boolean;
}

/** Badge colours of the sweep statuses. */
const BADGES = { running: 'running', paused: 'queued', cancelled: 'inactive', finished: 'succeeded', failed: 'failed' };

const filterOf = (body: Record<string, unknown>): FilterValues => ({
  since: text(body, 'since').trim(),
  sinceField: text(body, 'sinceField') === 'createdAt' ? 'createdAt' : 'updatedAt',
});

/** The filter as the API takes it: no `since` key when none was typed. */
const filterInput = (v: FilterValues) =>
  v.since ? { since: v.since, sinceField: v.sinceField } : { sinceField: v.sinceField };

export function registerBackfills(router: Router, ctx: PagesContext): void {
  const { deps, render } = ctx;
  const sweepDeps: SweepStartDeps = {
    db: deps.db,
    records: deps.host.records,
    settings: () => deps.settingsStore.get(),
    now: () => deps.host.now().getTime(),
    wake: deps.wake,
  };
  const page = (res: Response, wfId: number, notice: string) =>
    res.redirect(303, `${ctx.base(res)}/workflows/${wfId}/backfill?notice=${notice}`);

  async function show(
    req: Request,
    res: Response,
    wf: Workflow,
    more: { values?: FilterValues; count?: CountShown; error?: string; fields?: Record<string, string> } = {},
    status = 200,
  ) {
    const sweeps = await Promise.all((await listSweeps(deps.db, wf.id, 20)).map((s) => sweepView(deps.db, s)));
    const values = more.values ?? { since: '', sinceField: 'updatedAt' };
    render(
      req,
      res,
      'workflow-backfill',
      {
        title: `Run for existing records — ${wf.title}`,
        section: 'workflows',
        wf,
        values,
        count: more.count ?? null,
        error: more.error ?? null,
        fields: more.fields ?? {},
        sweeps: sweeps.map((s) => ({ ...s, open: s.status === 'running' || s.status === 'paused' })),
        rate: deps.settingsStore.get().backfillRatePerMinute,
        canList: typeof deps.host.records.listAfter === 'function',
        badges: BADGES,
      },
      status,
    );
  }

  /** A refusal (422/409/400) is shown on the page, at its field; anything else is an error page. */
  async function orRefusal(req: Request, res: Response, wf: Workflow, values: FilterValues, fn: () => Promise<void>) {
    try {
      await fn();
    } catch (err) {
      if (!isHookflowError(err) || err.status >= 500) throw err;
      await show(req, res, wf, { values, error: err.message, fields: err.fields }, err.status);
    }
  }

  router.get('/workflows/:id/backfill', async (req, res) => {
    await show(req, res, await deps.store.require(parseId(req.params.id)));
  });

  router.post('/workflows/:id/backfill/count', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const values = filterOf(req.body);
    await orRefusal(req, res, wf, values, async () => {
      const { count, limit } = await countBackfill(sweepDeps, wf, filterInput(values));
      await show(req, res, wf, { values, count: { count, limit, tooMany: count > limit } });
    });
  });

  router.post('/workflows/:id/backfill', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const values = filterOf(req.body);
    await orRefusal(req, res, wf, values, async () => {
      await startBackfill(sweepDeps, wf, filterInput(values), actorId(res));
      page(res, wf.id, 'backfill-started');
    });
  });

  const MOVED: Record<SweepMove, string> = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' };
  for (const move of Object.keys(MOVED) as SweepMove[])
    router.post(`/backfills/:id/${move}`, async (req, res) => {
      const sweep = await requireSweep(deps.db, parseId(req.params.id));
      const wf = await deps.store.require(sweep.workflowId);
      await orRefusal(req, res, wf, filterOf({}), async () => {
        await moveSweep(sweepDeps, sweep, move);
        page(res, wf.id, `backfill-${MOVED[move]}`);
      });
    });
}
