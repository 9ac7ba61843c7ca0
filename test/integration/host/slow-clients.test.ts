/**
 * Slow clients against the real start-up path (startServer): a raw TCP socket that trickles
 * header bytes, or a complete header and then body bytes, must be answered 408 and closed once
 * the injected limits pass. The limits are a few hundred ms here; Node's defaults (60 s for
 * headers, 300 s for a request, checked every 30 s) would keep these sockets open far past the
 * generous deadline below, so each test fails without the server's timeouts.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, type RunningServer } from '../../../host/server.js';
import { createTestDatabase, type TestDatabase } from './engines.js';
import { call, createFakeInstaller, testConfig, type FakeHookflow } from './harness.js';

/** Far longer than any limit below, far shorter than Node's defaults. */
const DEADLINE_MS = 10_000;
const TIMEOUTS = { headersMs: 300, requestMs: 600, keepAliveMs: 300, checkIntervalMs: 100 };

interface Trickle {
  /** Everything the server sent before closing. */
  received: string;
  /** Trickled chunks written before the server closed. */
  written: number;
  /**
   * The close came as a reset: the server closed while a trickled byte was still unread, and
   * the kernel may then drop the 408 it had sent. Still a close, which is what must happen.
   */
  reset: boolean;
}

/**
 * Opens a socket, sends `head` at once, then one `unit` every 50 ms (the client's pace, not a
 * wait), and resolves when the server closes the socket; rejects if it is still open at the deadline.
 */
function trickle(port: number, head: string, unit: string): Promise<Trickle> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const result: Trickle = { received: '', written: 0, reset: false };
    let pace: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      clearInterval(pace);
      socket.destroy();
      reject(
        new Error(`the server kept a trickling socket open for ${DEADLINE_MS} ms (wrote ${result.written} chunks)`),
      );
    }, DEADLINE_MS);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      result.received += chunk;
    });
    socket.on('error', () => {
      result.reset = true;
    });
    socket.on('close', () => {
      clearInterval(pace);
      clearTimeout(deadline);
      resolve(result);
    });
    socket.on('connect', () => {
      socket.write(head);
      pace = setInterval(() => {
        if (!socket.writable) return;
        socket.write(unit);
        result.written++;
      }, 50);
    });
  });
}

describe('slow clients on the reference host', () => {
  let tdb: TestDatabase;
  let server: RunningServer<FakeHookflow>;

  before(async () => {
    tdb = await createTestDatabase('sqlite');
    server = await startServer(testConfig(tdb, { PORT: '0' }), {
      installer: createFakeInstaller().installer,
      print: () => undefined,
      handleSignals: false,
      httpTimeouts: TIMEOUTS,
    });
  });
  after(async () => {
    await server?.close();
    await tdb?.cleanup();
  });

  test('trickled headers get a 408 and the socket is closed', async () => {
    const started = Date.now();
    const result = await trickle(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: 1\r\n');
    assert.ok(
      /^HTTP\/1\.1 408 /.test(result.received) || (result.reset && result.received === ''),
      `408 Request Timeout (or a reset), not an answer: ${result.received}`,
    );
    assert.ok(result.written > 0, 'the client was still sending when it was cut off');
    assert.ok(Date.now() - started >= TIMEOUTS.headersMs, 'not cut before the limit');
  });

  test('a trickled body gets a 408, the socket is closed and nothing is saved', async () => {
    const token = server.seed!.credentials.admin.token;
    const before = (await server.db('crm_records').count({ n: '*' }))[0].n;
    const head = [
      'POST /api/records/Deals HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${token}`,
      'Content-Type: application/json',
      'Content-Length: 100000',
      '',
      '{"fields":{"title":"',
    ].join('\r\n');
    const result = await trickle(server.port, head, 'x');
    assert.ok(
      /^HTTP\/1\.1 408 /.test(result.received) || (result.reset && result.received === ''),
      `408 or a reset, not an answer: ${result.received}`,
    );
    assert.ok(result.written > 0);
    assert.equal((await server.db('crm_records').count({ n: '*' }))[0].n, before);
    assert.equal(
      (await call(`${server.url}/api/records/Deals`, { token })).status,
      200,
      'a prompt client is still served',
    );
  });
});
