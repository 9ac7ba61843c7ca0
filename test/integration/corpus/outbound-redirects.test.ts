/**
 * The outbound corpus cases that need real sockets:
 * - test/corpus/outbound-redirects.tsv through the real worker and a real receiver on
 *   127.0.0.1:0: a 3xx is one failed attempt, and neither the Location nor a trap receiver
 *   (allowlisted, so only "not followed" can keep it quiet) is ever contacted;
 * - every `dns … block` case of test/corpus/outbound-addresses.tsv through a real undici request
 *   on the guarded agent with the case's resolver answers: refused before any connection.
 */
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import {
  createGuardedAgent,
  isBlockedError,
  parseAllowlist,
  type CidrList,
} from '../../../module/outbound/url-guard.js';
import { caseOptions, caseTitle, casesOfKind, loadCorpus, parseDnsInput } from '../../corpus/parse-corpus.js';

/** A receiver on 127.0.0.1:0 that logs every request path and answers with `answer`. */
async function startReceiver(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, r) => r.end('ok'),
) {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    paths,
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const redirects = loadCorpus('outbound-redirects.tsv', 2);

describeEachEngine('outbound corpus: redirects are never followed', (tdb) => {
  let h: TestHost;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let trap: Awaited<ReturnType<typeof startReceiver>>;
  const answers = new Map<string, { status: number; location: string }>();

  before(async () => {
    trap = await startReceiver();
    rx = await startReceiver((req, res) => {
      const a = answers.get(req.url ?? '');
      if (!a) return void res.writeHead(200).end('unexpected');
      res.writeHead(a.status, a.location === '' ? {} : { location: a.location }).end('moved');
    });
    h = await createTestHost(tdb().db, {
      settings: { outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [3600], retryJitter: 0, requestTimeoutMs: 2000 },
    });
  });
  after(async () => {
    await h.close();
    await rx.close();
    await trap.close();
  });

  redirects.forEach((c, i) => {
    test(caseTitle(c), caseOptions(c), async () => {
      const path = `/case/${i}`;
      answers.set(path, { status: Number(c.inputs[0]), location: c.inputs[1].replaceAll('@TRAP@', String(trap.port)) });
      const id = (
        await enqueueDelivery(tdb().db, {
          webhookId: `msg_corpus_redirect_${i}`,
          runId: null,
          workflowId: null,
          taskId: null,
          eventType: null,
          module: null,
          recordId: null,
          method: 'POST',
          url: `http://127.0.0.1:${rx.port}${path}`,
          headers: {},
          contentType: 'application/json',
          body: '{}',
          originKey: null,
        })
      ).id;
      await h.hookflow.worker.drain();
      const delivery = await tdb().db('hookflow_deliveries').where({ id }).first();
      const attempts = await tdb().db('hookflow_attempts').where({ delivery_id: id }).orderBy('attempt_no');
      assert.equal(attempts.length, 1, `${c.where}: exactly one attempt`);
      assert.equal(`${attempts[0].outcome} ${attempts[0].status_code}`, c.expected, `${c.where} (${c.reason})`);
      assert.notEqual(delivery.status, 'success', 'a redirect is never a successful delivery');
      assert.deepEqual(
        rx.paths.filter((p) => !answers.has(p)),
        [],
        'the receiver saw no followed request',
      );
      assert.equal(rx.paths.filter((p) => p === path).length, 1, 'the delivery was sent once');
      assert.deepEqual(trap.paths, [], 'the redirect target was never contacted');
    });
  });
});

function allowlist(text: string): CidrList {
  const parsed = parseAllowlist(text === '' ? [] : text.split(','));
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.ok;
}

describe('outbound corpus: names resolving to blocked addresses never get a connection', () => {
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    rx = await startReceiver();
  });
  after(async () => {
    await rx.close();
  });
  // Each test looks at what reached the receiver during it (also after a test that failed).
  beforeEach(() => {
    rx.paths.length = 0;
  });

  const blocked = casesOfKind(loadCorpus('outbound-addresses.tsv', 3), 'dns').filter((c) => c.expected === 'block');
  for (const c of blocked) {
    test(caseTitle(c, c.inputs[1]), caseOptions(c), async () => {
      const { host, answers } = parseDnsInput(c.inputs[1]);
      const agent = createGuardedAgent({
        allowlist: allowlist(c.inputs[2]),
        timeoutMs: 2000,
        resolve: async () => answers,
      });
      try {
        await assert.rejects(
          request(`http://${host}:${rx.port}/`, { dispatcher: agent }),
          (err) => isBlockedError(err),
          `${c.where} (${c.reason})`,
        );
        assert.deepEqual(rx.paths, [], 'nothing reached the receiver');
      } finally {
        await agent.close();
      }
    });
  }

  test('the real system resolver: localhost is refused, and reached once loopback is allowlisted (the check can fail)', async () => {
    const refusing = createGuardedAgent({ allowlist: [], timeoutMs: 2000 });
    const allowing = createGuardedAgent({ allowlist: allowlist('127.0.0.1/32,::1/128'), timeoutMs: 2000 });
    try {
      await assert.rejects(request(`http://localhost:${rx.port}/refused`, { dispatcher: refusing }), (err) =>
        isBlockedError(err),
      );
      assert.deepEqual(rx.paths, []);
      const res = await request(`http://localhost:${rx.port}/allowed`, { dispatcher: allowing });
      assert.equal(res.statusCode, 200);
      await res.body.text();
      assert.deepEqual(rx.paths, ['/allowed']);
    } finally {
      await Promise.all([refusing.close(), allowing.close()]);
    }
  });
});
