/**
 * Timers a test moves by hand (for the lease heartbeat's LeaseTimers): nothing fires until
 * advance(), which fires every interval due, in time order, and waits for what each returns (a
 * renewal's promise), so a test knows a beat has landed without sleeping.
 */
import type { LeaseTimers } from '../../module/storage/lease-heartbeat.js';

export interface ManualTimers extends LeaseTimers {
  /** Moves the clock on by `ms`, firing and awaiting each interval as often as it falls due. */
  advance(ms: number): Promise<void>;
  /** Intervals still set (a finished heartbeat leaves none). */
  active(): number;
}

export function createManualTimers(): ManualTimers {
  let nowMs = 0;
  let seq = 0;
  const intervals = new Map<number, { fn: () => unknown; everyMs: number; nextAt: number }>();
  const nextDue = (until: number) =>
    [...intervals.values()].filter((t) => t.nextAt <= until).sort((a, b) => a.nextAt - b.nextAt)[0];
  return {
    setInterval(fn, ms) {
      intervals.set(++seq, { fn, everyMs: ms, nextAt: nowMs + ms });
      return seq;
    },
    clearInterval(handle) {
      intervals.delete(handle as number);
    },
    now: () => nowMs,
    async advance(ms) {
      const until = nowMs + ms;
      for (let due = nextDue(until); due; due = nextDue(until)) {
        nowMs = due.nextAt;
        due.nextAt += due.everyMs;
        await due.fn();
      }
      nowMs = until;
    },
    active: () => intervals.size,
  };
}
