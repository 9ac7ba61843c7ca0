/**
 * Serves an installed module's inbound router on a real port (listening on `::`, so both
 * 127.0.0.1 and ::1 reach it as distinct client addresses) and posts to it with fetch.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { InstalledHookflow } from '../../module/index.js';

export interface InboundServer {
  port: number;
  /** `http://127.0.0.1:<port>/wf` or `http://[::1]:<port>/wf`. */
  url(family?: 4 | 6): string;
  post(
    pathAndQuery: string,
    init?: {
      body?: string | FormData | Buffer;
      headers?: Record<string, string>;
      family?: 4 | 6;
      redirect?: RequestRedirect;
    },
  ): Promise<{ status: number; headers: Headers; text: string; json: any }>;
  close(): Promise<void>;
}

export async function startInboundServer(hookflow: InstalledHookflow, mount = '/wf'): Promise<InboundServer> {
  const app = express();
  app.use(mount, hookflow.inboundRouter);
  app.use((_req, res) => {
    res.status(404).json({ error: 'host 404' });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = (family: 4 | 6 = 4) => `http://${family === 6 ? '[::1]' : '127.0.0.1'}:${port}${mount}`;
  return {
    port,
    url,
    async post(pathAndQuery, init = {}) {
      const res = await fetch(`${url(init.family)}${pathAndQuery}`, {
        method: 'POST',
        body: init.body as BodyInit,
        headers: init.headers,
        redirect: init.redirect ?? 'manual',
      });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
