/** Condition-based waiting (never a fixed sleep racing another) and a seeded random source, for tests. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it is true; throws naming `what` after `ms`. */
export async function waitFor(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A seeded pseudo-random generator (mulberry32), so a failing run can be replayed by its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Polls `remaining` every 250 ms until it is 0, or until it has not changed for `stallMs`
 * (then the caller's checks name what is stuck instead of a bare timeout), or `maxMs` passed.
 * Returns the last count.
 */
export async function waitUntilDone(
  remaining: () => Promise<number>,
  opts: { stallMs: number; maxMs: number },
): Promise<number> {
  const until = Date.now() + opts.maxMs;
  let last = await remaining();
  let changedAt = Date.now();
  while (last > 0 && Date.now() - changedAt < opts.stallMs && Date.now() < until) {
    await sleep(250);
    const now = await remaining();
    if (now !== last) {
      last = now;
      changedAt = Date.now();
    }
  }
  return last;
}
