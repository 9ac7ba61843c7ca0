/**
 * The answer to a repeat of an idempotent sync request whose first request stored its run but
 * never answered (its web process died mid-run, or it is still running). That run is the one
 * that counts: a worker resumes it after its lease runs out (its effects are not repeated, see
 * workflows/task-effects.ts), and the repeat is answered from it — 409 while it runs, then the
 * answer the first request would have given. A second run is never started.
 */
import { HookflowError } from '../errors.js';
import type { Run } from '../workflows/runs.js';
import type { RunResponse } from '../workflows/task-types.js';
import { errorAnswer, successAnswer, type InboundAnswer, type PageModel } from './responses.js';

export interface StoredRunAnswerInput {
  runId: number;
  clientMutationId: string | null;
  asHtml: boolean;
  page: (m: PageModel) => string;
}

/** The stored run's answer; throws a 409 while the run is not finished. */
export async function answerFromStoredRun(
  readRun: (id: number) => Promise<Run | null>,
  input: StoredRunAnswerInput,
): Promise<InboundAnswer> {
  const run = await readRun(input.runId);
  if (!run || run.status === 'queued' || run.status === 'running') {
    throw new HookflowError(
      'conflict',
      `A request with this idempotency key is still being processed (run ${input.runId}); retry later`,
    );
  }
  if (run.status === 'failed') {
    const failed = new HookflowError('task_failed', `The workflow failed; run ${run.id} has the details`);
    return errorAnswer(failed, input.asHtml, input.page, { run_id: run.id });
  }
  const answer = {
    runId: run.id,
    workflowId: run.workflowId,
    recordId: run.recordId ?? 0,
    clientMutationId: input.clientMutationId,
    others: [],
    response: (run.output as RunResponse | null) ?? null,
    status: run.status,
  };
  return successAnswer(answer, input.asHtml, input.page);
}
