/** Local HTTP receivers on 127.0.0.1:0: a 200-OK one that notes arrivals, and a hanging one. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Receiver {
  url: string;
  /** Requests received so far. */
  count(): number;
  /** Resolves at the arrival of the next request (performance.now() of its arrival). */
  nextArrival(): Promise<number>;
  /** Ends every open connection (hung requests fail on the client side); keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** `hang`: never answers (the client's timeout or close() ends each request). */
export async function startReceiver(opts: { hang?: boolean } = {}): Promise<Receiver> {
  let received = 0;
  let waiter: ((at: number) => void) | null = null;
  const server = http.createServer((req, res) => {
    const at = performance.now();
    received++;
    if (waiter) { const w = waiter; waiter = null; w(at); }
    req.resume();
    if (!opts.hang) req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    count: () => received,
    nextArrival: () => new Promise((resolve) => { waiter = resolve; }),
    dropConnections: () => server.closeAllConnections(),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
