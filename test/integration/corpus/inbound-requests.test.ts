/**
 * Runs test/corpus/inbound-requests.tsv over real HTTP against the installed module's short
 * URL (see the file's header for the workflows and permissions created here). Each case is one
 * POST; the answer's status, error code and echoed `note` must be exactly as the file says.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startInboundServer, type InboundServer } from '../../helpers/inbound-server.js';
import { caseOptions, caseTitle, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

const cases = loadCorpus('inbound-requests.tsv', 4);

interface Expected {
  status: number;
  code?: string;
  note?: string;
  env?: unknown;
}

function parseExpected(c: CorpusCase): Expected {
  const m = /^(\d{3})(?: ([a-z_]+))?(?: (note|env)=(.*))?$/s.exec(c.expected);
  if (!m) throw new Error(`${c.where}: bad expected outcome ${JSON.stringify(c.expected)}`);
  return {
    status: Number(m[1]),
    code: m[2],
    note: m[3] === 'note' ? m[4] : undefined,
    env: m[3] === 'env' ? JSON.parse(m[4]) : undefined,
  };
}

/** The body column: literal text, or one of the generators documented in the data file. */
function buildBody(spec: string): string | Buffer | undefined {
  if (spec === '') return undefined;
  const encoded = /^@(utf16le|latin1):(.*)$/s.exec(spec);
  if (encoded) return Buffer.from(encoded[2], encoded[1] as BufferEncoding);
  const [, name, arg, rest] = /^@(fill|fields|jsonfields|mpfields|raw):([^:]*)(?::(.*))?$/s.exec(spec) ?? [];
  const n = Number(arg);
  switch (name) {
    case 'fill':
      return (rest ?? '') + 'a'.repeat(n - Buffer.byteLength(rest ?? ''));
    case 'fields':
      return Array.from({ length: n }, (_, i) => `f${i}=1`).join('&');
    case 'jsonfields':
      return JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, 1])));
    case 'mpfields':
      return `${Array.from({ length: n }, (_, i) => `--XB\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n1\r\n`).join('')}--XB--\r\n`;
    case 'raw':
      return Buffer.from(arg);
    default:
      return spec;
  }
}

function parseHeaders(text: string, tokens: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim()] = substitute(line.slice(colon + 1).trim(), tokens);
  }
  return headers;
}

function substitute(text: string, tokens: Record<string, string>): string {
  return text.replace(/@(TOKENED|STRICT)@/g, (_m, name: string) => tokens[name]);
}

const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

describeEachEngine('inbound corpus: whole requests over HTTP', (tdb) => {
  let h: TestHost;
  let srv: InboundServer;
  const tokens: Record<string, string> = {};

  before(async () => {
    h = await createTestHost(tdb().db, { settings: { trustedProxies: ['127.0.0.1'], inboundPerIpPerMinute: 100_000 } });
    const wf = h.hookflow.services.workflows;
    const respond = {
      type: 'respond',
      title: 'echo',
      options: { body: { note: '{{env.note}}', ref: '$env.note', env: '$env' } },
    };
    for (const triggerName of ['corpus', 'tokened', 'strict']) {
      await wf.create(
        {
          module: 'Leads',
          title: `corpus ${triggerName}`,
          status: 'active',
          trigger: 'http',
          triggerName,
          tasks: [respond],
        },
        h.admin.id,
      );
    }
    const perms = h.hookflow.services.permissions;
    await perms.create({
      title: 'corpus',
      triggerName: 'corpus',
      queryAsEnv: true,
      sources: '127.0.0.1\n192.168.7.*\n198.51.100.10-198.51.100.20\n2001:db8:7::/48',
    });
    tokens.TOKENED = (
      await perms.create({ title: 'tokened', triggerName: 'tokened', sources: '10.9.9.9', token: 'generate' })
    ).token as string;
    tokens.STRICT = (
      await perms.create({
        title: 'strict',
        triggerName: 'strict',
        sources: '127.0.0.1',
        token: 'generate',
        requireIpAndToken: true,
      })
    ).token as string;
    await perms.create({ title: 'ghost', triggerName: 'ghost', sources: '127.0.0.1' });
    assert.match(tokens.TOKENED, /^hft_/);
    srv = await startInboundServer(h.hookflow);
  });
  after(async () => {
    await srv.close();
    await h.close();
  });

  for (const c of cases) {
    test(caseTitle(c, `[v${c.inputs[0]}] ${c.inputs[1]} ${c.inputs[3].slice(0, 60)}`), caseOptions(c), async () => {
      const expected = parseExpected(c);
      const r = await srv.post(substitute(c.inputs[1], tokens), {
        family: c.inputs[0] === '6' ? 6 : 4,
        headers: parseHeaders(c.inputs[2], tokens),
        body: buildBody(c.inputs[3]),
      });
      const what = `${c.where} (${c.reason}): ${r.status} ${r.text.slice(0, 300)}`;
      assert.equal(r.status, expected.status, what);
      if (expected.code !== undefined) assert.equal(r.json?.error?.code, expected.code, what);
      if (expected.note !== undefined) {
        assert.equal(shown(r.json?.output?.note), expected.note, `${what}: {{env.note}}`);
        assert.equal(shown(r.json?.output?.ref), expected.note, `${what}: $env.note`);
      }
      if (expected.env !== undefined) assert.deepEqual(r.json?.output?.env, expected.env, `${what}: $env`);
      assert.equal(({} as Record<string, unknown>).admin, undefined, 'Object.prototype was not polluted');
    });
  }
});
