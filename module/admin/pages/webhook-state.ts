/**
 * The buttons of a disabled webhook (overview, workflow page, task page, alert mail link):
 * re-enable it (its held deliveries go out, in order) or discard what it holds. They call the
 * same functions as the management API (admin/webhook-state.ts) and go back where they came from.
 */
import type { Response, Router } from 'express';
import { parseId } from '../../http-errors.js';
import { discardHeldWebhookDeliveries, enableWebhook } from '../webhook-state.js';
import { text } from '../../forms/form-values.js';
import { actorId, type PagesContext } from './context.js';

/** Where a button sends the admin back to: a fixed set, never a URL from the form. */
async function backTo(ctx: PagesContext, res: Response, taskId: number, from: string, notice: string): Promise<void> {
  const task = from === 'overview' ? null : await ctx.deps.store.getTask(taskId);
  const base = ctx.base(res);
  const path = !task
    ? '/'
    : from === 'task'
      ? `/workflows/${task.workflowId}/tasks/${task.id}`
      : `/workflows/${task.workflowId}`;
  res.redirect(303, `${base}${path}?notice=${notice}`);
}

export function registerWebhookState(router: Router, ctx: PagesContext): void {
  const deps = () => ({ db: ctx.deps.db, store: ctx.deps.store, logger: ctx.deps.logger, wake: ctx.deps.wake });

  router.post('/tasks/:id/enable', async (req, res) => {
    const id = parseId(req.params.id);
    const released = await enableWebhook(deps(), id, actorId(res));
    await backTo(ctx, res, id, text(req.body, 'from'), released > 0 ? 'webhook-enabled-released' : 'webhook-enabled');
  });

  router.post('/tasks/:id/discard-held', async (req, res) => {
    const id = parseId(req.params.id);
    await discardHeldWebhookDeliveries(deps(), id, actorId(res));
    await backTo(ctx, res, id, text(req.body, 'from'), 'held-discarded');
  });
}
