/**
 * Running a permitted, parsed request at most once per Idempotency-Key (idempotency.ts keeps the
 * claims): a repeat is answered from the stored answer, or from the run a crashed process stored;
 * a new request is prepared and started, and its answer completes the claim. An async request's
 * runs and the answer a repeat will get commit together; a transient database error leaves the
 * claim in progress (a retry gets 409, never a second run). While the request is preparing, a
 * heartbeat keeps its claim fresh; every write it makes on the claim is fenced, and one that finds
 * the claim taken over (its process looked dead) rolls back with the run it stored: 409.
 */
import type { Request } from 'express';
import type { Knex } from 'knex';
import { HookflowError } from '../errors.js';
import { toHookflowError } from '../http-errors.js';
import { isTransientDbError } from '../storage/transient-errors.js';
import type { ControlParams } from './control-params.js';
import {
  clientMutationIdOf,
  idempotencyKeyOf,
  requestHash,
  type HeldClaim,
  type IdempotencyStore,
} from './idempotency.js';
import { startClaimHeartbeat, type ClaimHeartbeat } from './claim-heartbeat.js';
import { acceptedAnswer, errorAnswer, successAnswer, type InboundAnswer, type PageModel } from './responses.js';
import { prepareRequest, snapshotEvents, startRequest, type RunRequestResult } from './run-request.js';
import { answerFromStoredRun } from './stored-run-answer.js';
import type { Permission } from './permissions.js';
import type { InboundDeps } from './router.js';

export interface IdempotentRunDeps extends InboundDeps {
  idempotency: IdempotencyStore;
  page: (m: PageModel) => string;
  /** How often a live request refreshes its claim. Default CLAIM_HEARTBEAT_MS (5 s). */
  claimHeartbeatMs?: number;
}

/** The claim this request holds and the heartbeat keeping it fresh until the first write. */
interface Holding {
  held: HeldClaim;
  beat: ClaimHeartbeat;
}

function takenOver(): HookflowError {
  return new HookflowError(
    'conflict',
    'This request took too long and its idempotency key was taken over by a retry; see that retry’s answer',
  );
}

/** Stops the heartbeat before a fenced write (a beat would move the fence under it). */
async function stopBeat(holding: Holding | null): Promise<void> {
  if (!holding) return;
  await holding.beat.stop();
  if (holding.beat.lost) throw takenOver();
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
    holding: Holding | null,
  ): Promise<{ answer: InboundAnswer; runId: number | null }> {
    const permission = ctx.permission as Permission;
    const id = clientMutationIdOf(env);
    const clientMutationId = typeof id === 'string' ? id : null;
    // A sync run is noted on the claim as soon as it is stored: if this process dies mid-run, a
    // repeat is answered from that run (which a worker finishes), never by a second run. A claim
    // taken over meanwhile rolls the run's insert back.
    let attached = false;
    const onRunStored =
      holding === null
        ? undefined
        : async (runId: number, trx: Knex.Transaction) => {
            if (attached) return;
            attached = true;
            if (!(await deps.idempotency.attachRun(holding.held, runId, trx))) throw takenOver();
          };
    const request = { params: ctx.params as ControlParams, env, permission, clientIp: ctx.ip, onRunStored };
    const prepared = await prepareRequest(deps, request);
    let result: RunRequestResult;
    if (prepared.mode === 'async' && holding !== null) {
      // The accepted runs and the answer a repeat will get commit together: a crash cannot
      // leave runs without their idempotency record (which would let a retry run them twice).
      // The record is read first: on SQLite the transaction holds the only connection.
      const ready = await snapshotEvents(deps, request, prepared);
      await stopBeat(holding);
      result = await deps.db.transaction(async (trx) => {
        const r = await startRequest(deps, request, ready, trx);
        const answer = answerFor(ctx, r, clientMutationId);
        if (!(await deps.idempotency.complete(holding.held, answer, r.started[0]?.runId ?? null, trx)))
          throw takenOver();
        return r;
      });
    } else {
      await stopBeat(holding);
      result = await startRequest(deps, request, prepared);
    }
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
      await deps.idempotency.complete(claim.held, answer, claim.runId);
      return { ...answer, headers: { ...answer.headers, 'idempotent-replayed': 'true' } };
    }
    const holding: Holding = {
      held: claim.held,
      beat: startClaimHeartbeat(() => deps.idempotency.refresh(claim.held), { everyMs: deps.claimHeartbeatMs }),
    };
    try {
      const { answer, runId } = await execute(ctx, env, holding);
      return (await deps.idempotency.complete(claim.held, answer, runId)) ? answer : takenOverAnswer(ctx);
    } catch (err) {
      await holding.beat.stop(); // before the fenced writes below: a beat in flight would move the fence
      // An outage mid-request: the claim stays "in progress" (a retry gets 409, not a second run,
      // while a run stored before the outage may still resume); it is taken over once stale.
      if (isTransientDbError(err)) throw err;
      const coded = toHookflowError(err);
      if (!coded) {
        await deps.idempotency.release(claim.held).catch(() => undefined);
        throw err;
      }
      const answer = errorAnswer(coded, ctx.asHtml, deps.page);
      return (await deps.idempotency.complete(claim.held, answer, null)) ? answer : takenOverAnswer(ctx);
    } finally {
      await holding.beat.stop();
    }
  }

  function takenOverAnswer(ctx: RunCtx): InboundAnswer {
    return errorAnswer(takenOver(), ctx.asHtml, deps.page);
  }

  return withIdempotency;
}
