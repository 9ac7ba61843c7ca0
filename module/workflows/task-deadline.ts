/**
 * Every task runs under a deadline of its own type (`TaskDefinition.timeout`: mail or record
 * calls) and under its run's lease: the task's signal aborts at whichever comes first, and the
 * executor stops waiting then, even for a host call that takes no signal (the mailer). A passed
 * deadline fails the task ("timed out after … ms (mailTimeoutMs)"); a lost lease rejects with
 * the LeaseLostError, so the run writes nothing more.
 */
import type { HookflowSettings } from '../config.js';
import { untilAborted } from '../storage/lease-heartbeat.js';
import type { AnyTaskDefinition, TaskTimeoutSetting } from './task-types.js';

export class TaskTimeoutError extends Error {
  override name = 'TaskTimeoutError';
}

/** PURE: the setting bounding one run of `def` with `options`, and its value (plus the time its options add, e.g. an answer to wait for). */
export function taskTimeoutOf(
  def: Pick<AnyTaskDefinition, 'timeout' | 'extraTimeoutMs'>,
  settings: HookflowSettings,
  options?: unknown,
): { setting: TaskTimeoutSetting; ms: number } {
  const setting = def.timeout ?? 'recordCallTimeoutMs';
  return { setting, ms: settings[setting] + (options === undefined ? 0 : (def.extraTimeoutMs?.(options) ?? 0)) };
}

/**
 * Runs `run(signal)` until it settles, the timeout passes (TaskTimeoutError) or `leaseSignal`
 * aborts (its reason). The timeout's timer is cleared on every path.
 */
export async function runWithinDeadline<T>(
  timeout: { setting: string; ms: number },
  leaseSignal: AbortSignal,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  leaseSignal.throwIfAborted();
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new TaskTimeoutError(`timed out after ${timeout.ms} ms (${timeout.setting})`)),
    timeout.ms,
  );
  const signal = AbortSignal.any([leaseSignal, deadline.signal]);
  try {
    return await untilAborted(
      Promise.resolve().then(() => run(signal)),
      signal,
    );
  } finally {
    clearTimeout(timer);
  }
}
