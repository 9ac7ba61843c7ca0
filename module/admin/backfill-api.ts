/**
 * "Run for existing records" in the management API (admin-only, mounted under /api; the pages
 * call the same functions):
 *   POST /workflows/:id/backfills/count  { since?, sinceField? } → { count, limit, filter }
 *   POST /workflows/:id/backfills        { since?, sinceField? } → 202 { backfill }
 *   GET  /workflows/:id/backfills        → { backfills: [...] } (newest first)
 *   GET  /backfills/:id                  → { backfill }
 *   POST /backfills/:id/pause | resume | cancel → { backfill }
 * A backfill's view carries its progress (succeeded/failed/skipped/in progress/remaining, percent).
 */
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import { HookflowError } from '../errors.js';
import { parseId } from '../http-errors.js';
import type { WorkflowStore } from '../workflows/store.js';
import { countRunsOfBackfill } from '../workflows/runs.js';
import { sweepProgress, type SweepProgress } from '../workflows/backfill-policy.js';
import { getSweep, listSweeps, type Sweep } from '../workflows/backfills.js';
import {
  countBackfill,
  moveSweep,
  startBackfill,
  type SweepMove,
  type SweepStartDeps,
} from '../workflows/backfill-start.js';

export interface BackfillApiDeps extends SweepStartDeps {
  db: Knex;
  store: Pick<WorkflowStore, 'require'>;
}

export type SweepView = Omit<Sweep, 'creditAt' | 'dueAt'> & { progress: SweepProgress };

/** A sweep as the API and the pages show it, with its progress from its runs. */
export async function sweepView(db: Knex, sweep: Sweep): Promise<SweepView> {
  const { creditAt: _credit, dueAt: _due, ...rest } = sweep;
  return { ...rest, progress: sweepProgress(sweep, await countRunsOfBackfill(db, sweep.id)) };
}

export async function requireSweep(db: Knex, id: number): Promise<Sweep> {
  const sweep = await getSweep(db, id);
  if (!sweep) throw new HookflowError('not_found', `run for existing records ${id} not found`);
  return sweep;
}

const MOVES: readonly SweepMove[] = ['pause', 'resume', 'cancel'];

export function createBackfillApi(deps: BackfillApiDeps): Router {
  const api = express.Router();
  const actor = (res: express.Response): number | null => res.locals.user?.id ?? null;
  api.post('/workflows/:id/backfills/count', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    res.json(await countBackfill(deps, wf, req.body));
  });
  api.post('/workflows/:id/backfills', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const id = await startBackfill(deps, wf, req.body, actor(res));
    res.status(202).json({ backfill: await sweepView(deps.db, await requireSweep(deps.db, id)) });
  });
  api.get('/workflows/:id/backfills', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const sweeps = await listSweeps(deps.db, wf.id, 50);
    res.json({ backfills: await Promise.all(sweeps.map((s) => sweepView(deps.db, s))) });
  });
  api.get('/backfills/:id', async (req, res) => {
    res.json({ backfill: await sweepView(deps.db, await requireSweep(deps.db, parseId(req.params.id))) });
  });
  for (const move of MOVES)
    api.post(`/backfills/:id/${move}`, async (req, res) => {
      const sweep = await requireSweep(deps.db, parseId(req.params.id));
      await moveSweep(deps, sweep, move);
      res.json({ backfill: await sweepView(deps.db, await requireSweep(deps.db, sweep.id)) });
    });
  return api;
}
