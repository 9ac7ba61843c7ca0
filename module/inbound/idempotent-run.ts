/**
 * Running a permitted, parsed request at most once per Idempotency-Key (idempotency.ts keeps the
 * claims): a repeat is answered from the stored answer, or from the run a crashed process stored;
 * a new request is prepared and started, and its answer completes the claim. An async request's
 * runs and the answer a repeat will get commit together; a transient database error leaves the
 * claim in progress (a retry gets 409, never a second run).
 */
import type { Request } from 'express';
import type { Knex } from 'knex';
import { HookflowError } from '../errors.js';
import { toHookflowError } from '../http-errors.js';
import { isTransientDbError } from '../storage/transient-errors.js';
import type { ControlParams } from './control-params.js';
import { clientMutationIdOf, idempotencyKeyOf, requestHash, type IdempotencyStore } from './idempotency.js';
import { acceptedAnswer, errorAnswer, successAnswer, type InboundAnswer, type PageModel } from './responses.js';
import { prepareRequest, snapshotEvents, startRequest, type RunRequestResult } from './run-request.js';
import { answerFromStoredRun } from './stored-run-answer.js';
import type { Permission } from './permissions.js';
import type { InboundDeps } from './router.js';

export interface IdempotentRunDeps extends InboundDeps {
  idempotency: IdempotencyStore;
  page: (m: PageModel) => string;
}

/** What the handler knows of a request once it is permitted (params and permission set). */
export interface RunCtx {
  req: Request;
  asHtml: boolean;
  ip: string;
  params?: ControlParams;
  permission?: Permission;
}

/** The request's answer, running it unless its Idempotency-Key has been seen. */
export function createIdempotentRun(
  deps: IdempotentRunDeps,
): (ctx: RunCtx, env: Record<string, unknown>) => Promise<InboundAnswer> {
  async function execute(
    ctx: RunCtx,
    env: Record<string, unknown>,
    key: string | null,
  ): Promise<{ answer: InboundAnswer; runId: number | null }> {
    const permission = ctx.permission as Permission;
    const id = clientMutationIdOf(env);
    const clientMutationId = typeof id === 'string' ? id : null;
    // A sync run is noted on the claim as soon as it is stored: if this process dies mid-run, a
    // repeat is answered from that run (which a worker finishes), never by a second run.
    const onRunStored =
      key === null
        ? undefined
        : (runId: number, trx: Knex.Transaction) => deps.idempotency.attachRun(permission.id, key, runId, trx);
    const request = { params: ctx.params as ControlParams, env, permission, clientIp: ctx.ip, onRunStored };
    const prepared = await prepareRequest(deps, request);
    let result: RunRequestResult;
    if (prepared.mode === 'async' && key !== null) {
      // The accepted runs and the answer a repeat will get commit together: a crash cannot
      // leave runs without their idempotency record (which would let a retry run them twice).
      // The record is read first: on SQLite the transaction holds the only connection.
      const ready = await snapshotEvents(deps, request, prepared);
      result = await deps.db.transaction(async (trx) => {
        const r = await startRequest(deps, request, ready, trx);
        await deps.idempotency.complete(
          permission.id,
          key,
          answerFor(ctx, r, clientMutationId),
          r.started[0]?.runId ?? null,
          trx,
        );
        return r;
      });
    } else result = await startRequest(deps, request, prepared);
    return { answer: answerFor(ctx, result, clientMutationId), runId: result.started[0]?.runId ?? null };
  }

  function answerFor(ctx: RunCtx, r: RunRequestResult, clientMutationId: string | null): InboundAnswer {
    const [first, ...rest] = r.started;
    const base = {
      runId: first.runId,
      workflowId: first.workflow.id,
      recordId: (ctx.params as ControlParams).recordId,
      clientMutationId,
      others: rest.map((s) => ({ run_id: s.runId, workflow_id: s.workflow.id, status: s.outcome?.status ?? 'queued' })),
    };
    if (r.mode === 'async') return acceptedAnswer(base, ctx.asHtml, deps.page);
    const failed = r.started.find((s) => s.outcome?.status === 'failed');
    if (failed)
      return errorAnswer(
        new HookflowError('task_failed', `The workflow failed; run ${failed.runId} has the details`),
        ctx.asHtml,
        deps.page,
        { run_id: failed.runId },
      );
    return successAnswer(
      { ...base, response: first.outcome?.response ?? null, status: first.outcome?.status },
      ctx.asHtml,
      deps.page,
    );
  }

  async function withIdempotency(ctx: RunCtx, env: Record<string, unknown>): Promise<InboundAnswer> {
    const key = idempotencyKeyOf(ctx.req.headers, env);
    const permission = ctx.permission as Permission;
    if (key === null) return (await execute(ctx, env, null)).answer;
    const params = ctx.params as ControlParams;
    const claim = await deps.idempotency.claim(
      permission.id,
      key,
      requestHash({ w: params.workflowId, t: params.triggerName, r: params.recordId, m: params.mode, env }),
    );
    if (claim.state === 'replay')
      return { ...claim.response, headers: { ...claim.response.headers, 'idempotent-replayed': 'true' } };
    if (claim.state === 'stored_run') {
      const id = clientMutationIdOf(env);
      const input = {
        runId: claim.runId,
        clientMutationId: typeof id === 'string' ? id : null,
        asHtml: ctx.asHtml,
        page: deps.page,
      };
      const answer = await answerFromStoredRun((runId) => deps.starter.stored(runId), input);
      await deps.idempotency.complete(permission.id, key, answer, claim.runId);
      return { ...answer, headers: { ...answer.headers, 'idempotent-replayed': 'true' } };
    }
    try {
      const { answer, runId } = await execute(ctx, env, key);
      await deps.idempotency.complete(permission.id, key, answer, runId);
      return answer;
    } catch (err) {
      // An outage mid-request: the claim stays "in progress" (a retry gets 409, not a second run,
      // while a run stored before the outage may still resume); it is taken over once stale.
      if (isTransientDbError(err)) throw err;
      const coded = toHookflowError(err);
      if (!coded) {
        await deps.idempotency.release(permission.id, key).catch(() => undefined);
        throw err;
      }
      const answer = errorAnswer(coded, ctx.asHtml, deps.page);
      await deps.idempotency.complete(permission.id, key, answer, null);
      return answer;
    }
  }

  return withIdempotency;
}
