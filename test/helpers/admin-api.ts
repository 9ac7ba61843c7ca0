/**
 * Hookflow's admin router (management, log and permissions API) served on 127.0.0.1:0 for the
 * API integration tests, with a JSON client. The test host's requireAdmin lets every call in;
 * the client still sends `Authorization: Bearer …`, as a script or CLI would, because the API's
 * CSRF guard wants a same-origin X-CSRF-Token from anything that may be a browser (api-csrf.test.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { TestHost } from './test-host.js';

export interface AdminApi {
  /** `http://127.0.0.1:<port>/settings/hookflow/api`. */
  base: string;
  /** Sends `body` as JSON (a string is sent as it is); `body` of the answer is parsed JSON or null when empty. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }>;
  close(): Promise<void>;
}

export async function serveAdminApi(h: TestHost): Promise<AdminApi> {
  const app = express();
  app.use('/settings/hookflow', h.hookflow.adminRouter);
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/settings/hookflow/api`;
  return {
    base,
    async call(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: 'Bearer hookflow-test-client',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, text };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
