/**
 * Local HTTP receivers on 127.0.0.1:0: a 200-OK one that notes arrivals (and counts each
 * `webhook-id`, so double sends show), optionally answering after a fixed latency; and a hanging one.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Receiver {
  url: string;
  /** Requests received so far. */
  count(): number;
  /** Requests seen per `webhook-id` header value. */
  readonly webhookIds: Map<string, number>;
  /** Resolves at the arrival of the next request (performance.now() of its arrival). */
  nextArrival(): Promise<number>;
  /** Ends every open connection (hung requests fail on the client side); keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * `hang`: never answers (the client's timeout or close() ends each request).
 * `latencyMs`: answers this long after the body arrived, like a remote service. Default 0.
 */
export async function startReceiver(opts: { hang?: boolean; latencyMs?: number } = {}): Promise<Receiver> {
  let received = 0;
  const webhookIds = new Map<string, number>();
  const latency = opts.latencyMs ?? 0;
  let waiter: ((at: number) => void) | null = null;
  const server = http.createServer((req, res) => {
    const at = performance.now();
    received++;
    const id = req.headers['webhook-id'];
    if (typeof id === 'string') webhookIds.set(id, (webhookIds.get(id) ?? 0) + 1);
    if (waiter) {
      const w = waiter;
      waiter = null;
      w(at);
    }
    req.resume();
    const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (!opts.hang) req.on('end', () => (latency > 0 ? setTimeout(answer, latency) : answer()));
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    count: () => received,
    webhookIds,
    nextArrival: () =>
      new Promise((resolve) => {
        waiter = resolve;
      }),
    dropConnections: () => server.closeAllConnections(),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
