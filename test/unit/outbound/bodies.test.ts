import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import qs from 'qs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  APPLICATION_TOKEN_PLACEHOLDER,
  APPLICATION_TOKEN_SLOT,
  buildBody,
  bitrixEventName,
  fillApplicationToken,
  diffRecords,
  validateParamNames,
  xmlNameProblem,
  type BodyInput,
  type ContentType,
} from '../../../module/outbound/bodies.js';
import { redactAttempt, secretSpellings } from '../../../module/outbound/delivery-processor.js';
import { requestToSend } from '../../../module/outbound/webhook-request.js';
import type { Delivery } from '../../../module/outbound/queue/read.js';

const EVENT: BodyInput['event'] = {
  type: 'deal.updated',
  bitrixEvent: 'ONCRMDEALUPDATE',
  module: 'Deals',
  recordId: 42,
  record: { title: 'Big deal', amount: 200, stage: 'won', tags: ['a', 'b'] },
  previous: { title: 'Big deal', amount: 100, stage: 'open', tags: ['a', 'b'] },
  timeMs: Date.UTC(2025, 3, 4, 10, 20, 30, 456),
};

function build(format: ContentType, params: BodyInput['params'], extra: Partial<BodyInput> = {}) {
  return buildBody({ format, params, event: EVENT, ...extra });
}

const NESTED = [
  { name: 'contact.name', value: 'Ann' },
  { name: 'contact.email', value: 'ann@example.com' },
  { name: 'items.0.sku', value: 'A1' },
  { name: 'items.1.sku', value: 'B2' },
  { name: 'total', value: 12.5 },
];

const parser = new XMLParser({ parseTagValue: false, trimValues: false, isArray: (name) => name === 'items' });

describe('JSON and JSONARRAY', () => {
  test('dot notation nests', () => {
    const out = build('JSON', NESTED);
    assert.equal(out.contentType, 'application/json');
    assert.deepEqual(JSON.parse(out.body), {
      contact: { name: 'Ann', email: 'ann@example.com' },
      items: [{ sku: 'A1' }, { sku: 'B2' }],
      total: 12.5,
    });
  });

  test('JSONARRAY wraps the object', () => {
    const out = build('JSONARRAY', NESTED);
    assert.deepEqual(JSON.parse(out.body), [JSON.parse(build('JSON', NESTED).body)]);
  });

  test('an injection attempt stays a string', () => {
    const evil = '"}, "admin": true, "x": {"';
    const parsed: Record<string, unknown> = JSON.parse(build('JSON', [{ name: 'note', value: evil }]).body);
    assert.equal(parsed.admin, undefined);
    assert.deepEqual(parsed, { note: evil });
  });

  test('undefined values are sent as null', () => {
    assert.deepEqual(JSON.parse(build('JSON', [{ name: 'a', value: undefined }]).body), { a: null });
  });
});

describe('XML', () => {
  test('nested objects, repeated elements for arrays, strict validation', () => {
    const out = build('XML', NESTED);
    assert.equal(out.contentType, 'application/xml; charset=utf-8');
    assert.equal(XMLValidator.validate(out.body), true);
    const doc = parser.parse(out.body);
    assert.deepEqual(doc.request.contact, { name: 'Ann', email: 'ann@example.com' });
    assert.deepEqual(doc.request.items, [{ sku: 'A1' }, { sku: 'B2' }]);
    assert.equal(doc.request.total, '12.5');
  });

  test('markup in a value is escaped and round-trips', () => {
    const value = '</a><b>&amp; & <![CDATA[x]]> "q" \'s\'';
    const out = build('XML', [{ name: 'note', value }]);
    assert.equal(XMLValidator.validate(out.body), true);
    assert.equal(parser.parse(out.body).request.note, value);
    assert.ok(!out.body.includes('<b>'));
  });

  test('text that looks like entity or character references stays literal', () => {
    for (const value of ['&nbsp;', '&foo;', '&#0;', '&#65;', '&#x41;', '&lt;b&gt;', '&amp;amp;', '& ;&']) {
      const out = build('XML', [{ name: 'note', value }]);
      assert.equal(XMLValidator.validate(out.body), true, value);
      assert.equal(parser.parse(out.body).request.note, value, value);
    }
  });

  test('characters XML 1.0 forbids are removed', () => {
    const value = 'a\u0000b\u0001c\uD800d\uFFFEe\uFFFFf\u000Bg\uDC00h😀';
    const out = build('XML', [{ name: 'note', value }]);
    assert.equal(XMLValidator.validate(out.body), true);
    assert.equal(parser.parse(out.body).request.note, 'abcdefgh😀');
  });

  test('CR and CRLF become LF, tabs stay', () => {
    const out = build('XML', [{ name: 'note', value: 'a\r\nb\rc\td' }]);
    assert.equal(parser.parse(out.body).request.note, 'a\nb\nc\td');
  });

  test('custom root name, nulls and booleans', () => {
    const out = build(
      'XML',
      [
        { name: 'x', value: null },
        { name: 'y', value: true },
      ],
      { xmlRootName: 'deal' },
    );
    assert.equal(XMLValidator.validate(out.body), true);
    const doc = parser.parse(out.body);
    assert.equal(doc.deal.x, '');
    assert.equal(doc.deal.y, 'true');
  });

  test('bad element names are refused, naming the param', () => {
    for (const name of ['1abc', 'a@b', 'a$b', 'ns:tag', 'xmlThing', 'a.-x', '7']) {
      assert.throws(
        () => build('XML', [{ name, value: 'v' }]),
        (err: Error) => err.message.includes(`"${name}"`),
        name,
      );
    }
    assert.throws(() => build('XML', [], { xmlRootName: 'bad root' }), /XML element name "bad root"/);
  });

  test('keys inside object values are checked too', () => {
    assert.throws(() => build('XML', [{ name: 'a', value: { 'bad key': 1 } }]), /"bad key"/);
  });

  test('xmlNameProblem', () => {
    assert.equal(xmlNameProblem('contact'), null);
    assert.equal(xmlNameProblem('_a-b.c1'), null);
    assert.equal(xmlNameProblem('Ärger'), null);
    for (const bad of ['', '-a', 'a b', 'a:b', 'XML_x', 'a<b', '.a']) assert.notEqual(xmlNameProblem(bad), null, bad);
  });
});

describe('FORM', () => {
  test('round-trips through qs.parse with bracket nesting', () => {
    const out = build('FORM', NESTED);
    assert.equal(out.contentType, 'application/x-www-form-urlencoded');
    assert.ok(decodeURIComponent(out.body).includes('items[1][sku]=B2'));
    assert.deepEqual(qs.parse(out.body), {
      contact: { name: 'Ann', email: 'ann@example.com' },
      items: [{ sku: 'A1' }, { sku: 'B2' }],
      total: '12.5',
    });
  });

  test('special characters and injection attempts survive', () => {
    const value = 'a&b=c[d]%20 +ü "}';
    assert.deepEqual(qs.parse(build('FORM', [{ name: 'note', value }]).body), { note: value });
  });
});

describe('BITRIX24', () => {
  test('has the shape of a Bitrix24 event handler call, with the token slot where the token goes', () => {
    const out = build(
      'BITRIX24',
      [
        { name: 'TITLE', value: 'Big deal' },
        { name: 'CONTACT.NAME', value: 'Ann' },
      ],
      {
        applicationTokenSlot: true,
      },
    );
    assert.equal(out.contentType, 'application/x-www-form-urlencoded');
    const parsed = qs.parse(out.body) as Record<string, any>;
    assert.equal(parsed.event, 'ONCRMDEALUPDATE');
    assert.equal(parsed.data.FIELDS.ID, '42');
    assert.equal(parsed.data.FIELDS.TITLE, 'Big deal');
    assert.deepEqual(parsed.data.FIELDS.CONTACT, { NAME: 'Ann' });
    assert.equal(parsed.ts, String(Math.floor(EVENT.timeMs / 1000)));
    assert.deepEqual(
      parsed.auth,
      { application_token: APPLICATION_TOKEN_PLACEHOLDER },
      'the stored body holds the placeholder, never a token',
    );
    assert.deepEqual(Object.keys(parsed), ['event', 'data', 'ts', 'auth']);
    assert.ok(out.body.endsWith(`&${APPLICATION_TOKEN_SLOT}`), 'the slot is the last pair');
  });

  test('a dynamic item carries data[FIELDS][ENTITY_TYPE_ID] right after the ID; ENTITY_TYPE_ID is reserved', () => {
    const event = { ...EVENT, bitrixEvent: 'ONCRMDYNAMICITEMUPDATE', bitrixEntityTypeId: 31 };
    const out = buildBody({ format: 'BITRIX24', params: [{ name: 'TITLE', value: 'Inv' }], event });
    assert.ok(
      out.body.startsWith(
        'event=ONCRMDYNAMICITEMUPDATE&data%5BFIELDS%5D%5BID%5D=42&data%5BFIELDS%5D%5BENTITY_TYPE_ID%5D=31&',
      ),
      out.body,
    );
    assert.deepEqual((qs.parse(out.body) as any).data.FIELDS, { ID: '42', ENTITY_TYPE_ID: '31', TITLE: 'Inv' });
    assert.ok(!build('BITRIX24', []).body.includes('ENTITY_TYPE_ID'), 'no type id for other entities');
    assert.throws(() => build('BITRIX24', [{ name: 'ENTITY_TYPE_ID', value: '1' }]), /reserved/);
  });

  test('at send time the slot gets the token, exactly as a portal form-encodes it, and becomes the sent bytes', () => {
    const stored = build('BITRIX24', [{ name: 'TITLE', value: 'Big deal' }], { applicationTokenSlot: true }).body;
    const token = 'tok 123+/=&x';
    const sent = fillApplicationToken(stored, token)!;
    const parsed = qs.parse(sent) as Record<string, any>;
    assert.deepEqual(parsed.auth, { application_token: token });
    assert.equal(parsed.data.FIELDS.TITLE, 'Big deal');
    assert.deepEqual(Object.keys(parsed), ['event', 'data', 'ts', 'auth']);
    assert.equal(
      sent,
      qs.stringify(qs.parse(sent), { arrayFormat: 'indices', format: 'RFC1738' }),
      'same encoding as the rest of the body',
    );
  });

  test('at send time without a token the pair is dropped (no auth at all)', () => {
    const stored = build('BITRIX24', [], { applicationTokenSlot: true }).body;
    for (const none of [null, undefined, '']) {
      const sent = fillApplicationToken(stored, none)!;
      assert.equal((qs.parse(sent) as Record<string, any>).auth, undefined);
      assert.equal(sent, build('BITRIX24', []).body);
    }
  });

  test('data cannot fake the slot: only a body ending with it is touched', () => {
    const hostile = `x&${APPLICATION_TOKEN_SLOT}`;
    const stored = build('BITRIX24', [
      { name: 'TITLE', value: hostile },
      { name: 'NOTE', value: APPLICATION_TOKEN_PLACEHOLDER },
    ]).body;
    assert.equal(fillApplicationToken(stored, 'tok123'), stored, 'no slot at the end: unchanged');
    const form = build('FORM', [{ name: 'note', value: hostile }]).body;
    assert.equal(
      fillApplicationToken(form, 'tok123'),
      form,
      'a FORM value holding the slot text is encoded, not a slot',
    );
    const json = build('JSON', [{ name: 'note', value: hostile }]).body;
    assert.equal(fillApplicationToken(json, 'tok123'), json);
    assert.equal(fillApplicationToken(null, 'tok123'), null);
  });

  test('no auth without a token; event name derived from the type', () => {
    const out = buildBody({
      format: 'BITRIX24',
      params: [],
      event: { ...EVENT, bitrixEvent: null, type: 'lead.created' },
    });
    const parsed = qs.parse(out.body) as Record<string, any>;
    assert.equal(parsed.event, 'ONCRMLEADADD');
    assert.equal(parsed.auth, undefined);
  });

  test('refuses without a record id, an underivable event, or a param named ID', () => {
    assert.throws(
      () => buildBody({ format: 'BITRIX24', params: [], event: { ...EVENT, recordId: null } }),
      /record id/,
    );
    assert.throws(() => bitrixEventName({ type: 'deal.touched', bitrixEvent: null }), /set bitrixEvent/);
    assert.throws(() => bitrixEventName({ type: 'x', bitrixEvent: 'ON&x=1' }), /not valid/);
    assert.throws(() => build('BITRIX24', [{ name: 'ID', value: '1' }]), /reserved/);
  });
});

describe('ENVELOPE', () => {
  test('type, timestamp, record, previous and changes', () => {
    const out = build('ENVELOPE', []);
    assert.equal(out.contentType, 'application/json');
    const parsed = JSON.parse(out.body);
    assert.equal(parsed.type, 'deal.updated');
    assert.equal(parsed.timestamp, '2025-04-04T10:20:30.456Z');
    assert.deepEqual(parsed.data.record, EVENT.record);
    assert.deepEqual(parsed.data.previous, EVENT.previous);
    assert.deepEqual(parsed.data.changes, { amount: { from: 100, to: 200 }, stage: { from: 'open', to: 'won' } });
  });

  test('params merge under data with dot notation', () => {
    const parsed = JSON.parse(build('ENVELOPE', [{ name: 'meta.source', value: 'crm' }]).body);
    assert.deepEqual(parsed.data.meta, { source: 'crm' });
    assert.throws(() => build('ENVELOPE', [{ name: 'changes.x', value: 1 }]), /reserved/);
  });

  test('create: previous null, no changes', () => {
    const parsed = JSON.parse(buildBody({ format: 'ENVELOPE', params: [], event: { ...EVENT, previous: null } }).body);
    assert.equal(parsed.data.previous, null);
    assert.deepEqual(parsed.data.changes, {});
  });

  test('diffRecords compares deeply, ignores key order, treats missing as null', () => {
    assert.deepEqual(diffRecords({ a: { x: 1, y: 2 }, b: 1 }, { a: { y: 2, x: 1 }, b: 1 }), {});
    assert.deepEqual(diffRecords({ a: 1 }, { b: 2 }), { a: { from: 1, to: null }, b: { from: null, to: 2 } });
    assert.deepEqual(diffRecords({ a: null }, {}), {});
    const proto = diffRecords(JSON.parse('{"__proto__": 1}'), JSON.parse('{"__proto__": 2}'));
    assert.deepEqual(Object.keys(proto), ['__proto__']);
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  });
});

describe('param names', () => {
  const formats: ContentType[] = ['JSON', 'JSONARRAY', 'XML', 'FORM', 'BITRIX24', 'ENVELOPE'];

  test('forbidden segments are refused in every format', () => {
    for (const format of formats) {
      for (const name of ['__proto__', 'a.constructor', 'a.prototype.b', 'a..b', '', 'a b']) {
        assert.throws(() => build(format, [{ name, value: 'x' }]), Error, `${format} ${name}`);
        assert.ok(validateParamNames(format, [name])['params.0.name'], `${format} ${name}`);
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('dot notation nests in every format', () => {
    for (const format of formats) {
      const { body } = build(format, [{ name: 'outer.inner', value: 'v' }]);
      assert.ok(/outer/.test(body) && /inner/.test(body), format);
    }
  });

  test('errors are keyed by index: duplicates, overlaps, mixed children', () => {
    const errors = validateParamNames('JSON', ['a', 'b.c', 'a', 'b', 'x.0', 'x.y', 'ok']);
    assert.deepEqual(Object.keys(errors).sort(), ['params.2.name', 'params.3.name', 'params.5.name']);
    assert.match(errors['params.2.name'], /duplicates params\.0\.name/);
    assert.match(errors['params.3.name'], /overlaps params\.1\.name/);
    assert.match(errors['params.5.name'], /mixes list positions/);
  });

  test('XML checks element names but lets list positions through', () => {
    assert.deepEqual(validateParamNames('XML', ['items.0.sku', 'items.1.sku']), {});
    assert.match(validateParamNames('XML', ['0.sku'])['params.0.name'], /not a valid XML element name/);
    assert.deepEqual(validateParamNames('JSON', ['0.sku', 'a@b']), {});
  });
});

describe('at send time (delivery-processor)', () => {
  const stored = buildBody({ format: 'BITRIX24', params: [], event: EVENT, applicationTokenSlot: true }).body;
  const delivery = { id: 1, webhookId: 'msg_1', body: stored } as Delivery;

  test('requestToSend fills the slot from the task secrets; the stored delivery is not changed', () => {
    const sent = requestToSend(delivery, null, { applicationToken: 'tok 1' });
    assert.deepEqual((qs.parse(sent.delivery.body!) as Record<string, any>).auth, { application_token: 'tok 1' });
    assert.equal(delivery.body, stored);
    assert.equal((qs.parse(requestToSend(delivery, null, {}).delivery.body!) as Record<string, any>).auth, undefined);
  });

  test('an echoed secret is removed from the answer in every spelling before it is stored', () => {
    const secrets = { password: 'p@ss word!', applicationToken: 'tok 1/+' };
    const creds = { auth: 'basic' as const, username: 'acct', password: secrets.password };
    const spellings = secretSpellings(creds, secrets);
    const basic = Buffer.from('acct:p@ss word!').toString('base64');
    const echoed = `${secrets.password} ${encodeURIComponent(secrets.password)} p%40ss+word%21 ${JSON.stringify(secrets.applicationToken)} Basic ${basic}`;
    const clean = redactAttempt(
      {
        outcome: 'success',
        statusCode: 200,
        responseHeaders: { 'x-echo': `Basic ${basic}` },
        responseBody: echoed,
        error: null,
        startedAt: 0,
        durationMs: 1,
      },
      spellings,
    );
    assert.equal(clean.responseBody, '•••• •••• •••• "••••" Basic ••••');
    assert.deepEqual(clean.responseHeaders, { 'x-echo': 'Basic ••••' });
    assert.deepEqual(
      secretSpellings({ auth: 'none' }, { token: 'short' }),
      [],
      'secrets under 6 characters are not hunted (they would garble text)',
    );
  });
});
