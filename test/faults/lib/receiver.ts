/**
 * The webhook receiver of the fault tests: a real HTTP server on 127.0.0.1:0 that fails a share
 * of requests and logs every answer it gave, per `webhook-id`.
 *
 * Its answers are deterministic: the k-th request for one webhook-id fails when a hash of
 * (webhook-id, k) falls under `failRate`. Once it has answered 2xx for a webhook-id it answers
 * 2xx to every repeat (a receiver that de-duplicates by webhook-id, as Standard Webhooks
 * advises), so "success" never turns back into "failure" because a worker died after sending.
 * A request is logged when it arrives: a worker killed while waiting still counts as "seen".
 * `holdMs` delays every answer (Infinity: a hanging receiver that never answers until close()),
 * `holdFirst` only the first N requests of each webhook-id.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  status: number;
  body: string;
  /** Epoch ms the request arrived. */ at: number;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every answer given, in order, by webhook-id. */
  log: Map<string, ReceivedRequest[]>;
  /** Requests received in total. */
  readonly requests: number;
  /** Requests received and not answered yet (held, or still being handled). */
  readonly inFlight: number;
  close(): Promise<void>;
}

/** True when the k-th request (1-based) for `webhookId` is to be failed. */
export function shouldFail(webhookId: string, k: number, failRate: number): boolean {
  const h = createHash('sha256').update(`${webhookId}:${k}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < failRate;
}

export interface ReceiverOptions {
  failRate: number;
  /** Answer only after this many ms; Infinity = never (until close). Default 0. */
  holdMs?: number;
  /** Hold only the first N requests of each webhook-id. Default: hold all. */
  holdFirst?: number;
}

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const log = new Map<string, ReceivedRequest[]>();
  let requests = 0;
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      const id = String(req.headers['webhook-id'] ?? '');
      const seen = log.get(id) ?? [];
      log.set(id, seen);
      const succeeded = seen.some((r) => r.status < 300);
      const status = !succeeded && shouldFail(id, seen.length + 1, opts.failRate) ? 500 : 200;
      const hold = opts.holdMs && seen.length < (opts.holdFirst ?? Infinity) ? opts.holdMs : 0;
      seen.push({ status, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const answer = () =>
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
      if (hold === Infinity) return;
      if (hold > 0) setTimeout(answer, hold);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    get requests() {
      return requests;
    },
    get inFlight() {
      return inFlight;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
