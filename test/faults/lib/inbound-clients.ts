/**
 * Short-URL clients that behave as a careful caller must: every POST carries an Idempotency-Key,
 * and a POST cut off (connection reset or refused: the web process died), answered 503 (database
 * away) or 409 (that key's run still in progress) is sent again with the same key — to wherever
 * the web process listens now — until it gets its final answer (202 async, 200 sync).
 */
import { sleep } from '../../helpers/wait.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export interface ClientTally {
  /** seq → the final answer's status. */
  answered: Map<string, number>;
  /** Requests that got another final status, or no answer at all (should stay empty). */
  refused: string[];
  /**
   * Seqs still answered 409 (their key's claim in progress) when the client gave up: a claim the
   * killed process left. Safe (no second run); one with no run is taken over once it has gone 30 s
   * without a heartbeat, so a client repeating longer than that is not left here.
   */
  stuck: string[];
  /** POSTs cut off by a dead web process. */
  cutOff: number;
  /** Answers 409 (in progress) or 503 seen before the final one. */
  waited: number;
  /** Final answers replayed from the idempotency store (`Idempotent-Replayed: true`). */
  replayed: number;
}

export interface ClientOptions {
  /** The short URL base now, or null while no web process listens. */
  baseUrl(): string | null;
  workflowId: number;
  /** Final status wanted: 202 (async) or 200 (sync). */
  want: number;
  seqs: string[];
  /** Parallel callers. */
  concurrency: number;
  keyPrefix: string;
  /** Give up on one request after this long (it then counts as refused). */
  perRequestMs: number;
}

export function newTally(): ClientTally {
  return { answered: new Map(), refused: [], stuck: [], cutOff: 0, waited: 0, replayed: 0 };
}

async function postUntilFinal(o: ClientOptions, seq: string, t: ClientTally): Promise<void> {
  const until = Date.now() + o.perRequestMs;
  let last: number | null = null;
  while (Date.now() < until) {
    const base = o.baseUrl();
    if (!base) {
      await sleep(100); // the web process is being restarted
      continue;
    }
    try {
      const res = await fetch(`${base}?workflow_id=${o.workflowId}&record_id=0`, {
        method: 'POST',
        body: `seq=${seq}`,
        headers: { ...FORM, 'idempotency-key': `${o.keyPrefix}-${seq}` },
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      last = res.status;
      if (res.status === o.want) {
        t.answered.set(seq, res.status);
        if (res.headers.get('idempotent-replayed') === 'true') t.replayed += 1;
        return;
      }
      if (res.status !== 409 && res.status !== 503) {
        t.refused.push(`seq ${seq}: ${res.status} ${text.slice(0, 200)}`);
        return;
      }
      t.waited += 1;
    } catch {
      last = null;
      t.cutOff += 1;
    }
    await sleep(250);
  }
  if (last === 409) t.stuck.push(seq);
  else t.refused.push(`seq ${seq}: no final answer within ${o.perRequestMs} ms (last ${last ?? 'cut off'})`);
}

/** Sends every seq (each until its final answer), `concurrency` at a time; resolves when all are done. */
export async function runClients(o: ClientOptions, t: ClientTally): Promise<void> {
  const queue = [...o.seqs];
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      for (let seq = queue.shift(); seq !== undefined; seq = queue.shift()) await postUntilFinal(o, seq, t);
    }),
  );
}
