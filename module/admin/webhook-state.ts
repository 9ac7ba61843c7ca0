/**
 * A disabled webhook is a state an admin can see and undo. Re-enabling clears the task's
 * disabled mark and queues its held deliveries again (in order, each with a fresh retry cycle);
 * discarding drops the held ones instead. Shared by the management API below and the admin pages:
 *   POST /tasks/:id/enable        → { task: { id, disabledAt: null }, released }
 *   POST /tasks/:id/discard-held  → { discarded }
 * An unknown task is 404.
 */
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import type { HostLogger } from '../host.js';
import { HookflowError } from '../errors.js';
import { parseId } from '../http-errors.js';
import type { WorkflowStore } from '../workflows/store.js';
import { discardHeldDeliveries, releaseHeldDeliveries } from '../outbound/queue/hold.js';

export interface WebhookStateDeps {
  db: Knex;
  store: Pick<WorkflowStore, 'getTask' | 'enableTask'>;
  logger: HostLogger;
  /** Wakes the worker so released deliveries go out now. */
  wake(): void;
}

/** Re-enables a task and releases its held deliveries; returns how many were released. */
export async function enableWebhook(deps: WebhookStateDeps, taskId: number, userId: number | null): Promise<number> {
  // The mark goes first: a delivery released while the task still looked disabled would be held again.
  if (!(await deps.store.enableTask(taskId))) throw new HookflowError('not_found', `task ${taskId} not found`);
  const released = await releaseHeldDeliveries(deps.db, taskId);
  deps.logger.info({ taskId, released, userId }, 'webhook re-enabled; its held deliveries are queued again');
  if (released > 0) deps.wake();
  return released;
}

/** Discards a task's held deliveries; returns how many. */
export async function discardHeldWebhookDeliveries(
  deps: WebhookStateDeps,
  taskId: number,
  userId: number | null,
): Promise<number> {
  if (!(await deps.store.getTask(taskId))) throw new HookflowError('not_found', `task ${taskId} not found`);
  const discarded = await discardHeldDeliveries(deps.db, taskId);
  deps.logger.info({ taskId, discarded, userId }, 'held webhook deliveries discarded');
  return discarded;
}

export function createWebhookStateApi(deps: WebhookStateDeps): Router {
  const api = express.Router();
  api.post('/tasks/:id/enable', async (req, res) => {
    const id = parseId(req.params.id);
    const released = await enableWebhook(deps, id, res.locals.user?.id ?? null);
    res.json({ task: { id, disabledAt: null }, released });
  });
  api.post('/tasks/:id/discard-held', async (req, res) => {
    const discarded = await discardHeldWebhookDeliveries(deps, parseId(req.params.id), res.locals.user?.id ?? null);
    res.json({ discarded });
  });
  return api;
}
