/**
 * The management API's CSRF policy as pure functions (module/admin/pages/csrf.ts, api.ts): which
 * requests are exempt, which origins are ours, which bodies are JSON. The HTTP behaviour is in
 * test/integration/admin/api-csrf.test.ts and test/corpus/admin-csrf.tsv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isSafeMethod,
  judgeApiRequest,
  originOf,
  requestOrigin,
  usesBearerAuth,
  type ApiRequestFacts,
} from '../../../module/admin/pages/csrf.js';
import { bodyKind, isJsonMediaType } from '../../../module/admin/api.js';

const OURS = ['https://crm.example.com', 'http://127.0.0.1:3000'];
const judge = (f: Partial<ApiRequestFacts>) => judgeApiRequest({ method: 'POST', sameOrigins: OURS, ...f });

test('only GET, HEAD and OPTIONS are safe (method names are case-sensitive, as HTTP says)', () => {
  for (const m of ['GET', 'HEAD', 'OPTIONS']) assert.equal(isSafeMethod(m), true, m);
  for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'get', 'TRACE', 'CONNECT', ''])
    assert.equal(isSafeMethod(m), false, m);
});

test('Bearer is exempt; Basic, other schemes and empty bearer tokens are not', () => {
  for (const h of ['Bearer abc', 'bearer abc', 'BEARER a.b-c_d', 'Bearer  abc'])
    assert.equal(usesBearerAuth(h), true, h);
  for (const h of [
    undefined,
    '',
    'Basic YTpi',
    'Bearer',
    'Bearer ',
    'Bearer a b',
    'Token abc',
    'Bearerabc',
    ' Bearer abc',
    'Digest x',
  ])
    assert.equal(usesBearerAuth(h), false, String(h));
});

test('originOf: the serialised http(s) origin, else null', () => {
  assert.equal(originOf('https://CRM.example.com:443/x?y'), 'https://crm.example.com');
  assert.equal(originOf('http://localhost:3000/'), 'http://localhost:3000');
  assert.equal(originOf('http://[::1]:8080'), 'http://[::1]:8080');
  for (const u of ['null', '', 'file:///etc/passwd', 'data:text/html,x', 'javascript:alert(1)', 'not a url'])
    assert.equal(originOf(u), null, u);
});

test('requestOrigin: protocol + the Host header, only for plain host[:port] values', () => {
  assert.equal(requestOrigin('http', '127.0.0.1:3000'), 'http://127.0.0.1:3000');
  assert.equal(requestOrigin('https', 'crm.example.com'), 'https://crm.example.com');
  assert.equal(requestOrigin('https', 'crm.example.com:443'), 'https://crm.example.com');
  assert.equal(requestOrigin('http', '[::1]:3000'), 'http://[::1]:3000');
  for (const h of [undefined, '', 'evil.com/x', 'a@evil.com', 'evil.com:80:80', 'crm.test, evil.test', 'crm .test'])
    assert.equal(requestOrigin('http', h), null, String(h));
});

test('safe methods and Bearer calls pass without any check', () => {
  assert.equal(judge({ method: 'GET', origin: 'https://evil.example', secFetchSite: 'cross-site' }), 'pass');
  assert.equal(judge({ method: 'OPTIONS', origin: 'null' }), 'pass');
  assert.equal(
    judge({ authorization: 'Bearer t', origin: 'https://evil.example', secFetchSite: 'cross-site' }),
    'pass',
  );
  assert.equal(judge({ authorization: 'Basic YTpi', origin: 'https://evil.example' }), 'cross');
  assert.equal(judge({ authorization: 'Basic YTpi' }), 'token', 'Basic goes through the token check');
});

test('a same-origin Origin needs the token; anything else in Origin is cross-origin', () => {
  for (const o of OURS) assert.equal(judge({ origin: o }), 'token', o);
  const foreign = [
    'null',
    'https://evil.example',
    'http://crm.example.com',
    'https://crm.example.com:8443',
    'https://evil.crm.example.com',
    'http://127.0.0.1:3001',
    'http://localhost:3000',
    'https://crm.example.com/',
    'https://CRM.example.com',
    'https://crm.example.com:443',
    'https://crm.example.com, https://evil.example',
    '',
    ' https://crm.example.com',
    'file://',
    'chrome-extension://abc',
  ];
  for (const o of foreign) assert.equal(judge({ origin: o }), 'cross', JSON.stringify(o));
  assert.equal(
    judgeApiRequest({ method: 'POST', origin: 'https://crm.example.com', sameOrigins: [null] }),
    'cross',
    'no known origin: refuse',
  );
});

test('Sec-Fetch-Site: same-origin or none stand in for a missing Origin; anything else refuses, even with a same Origin', () => {
  assert.equal(judge({ secFetchSite: 'same-origin' }), 'token');
  assert.equal(judge({ secFetchSite: 'none' }), 'token');
  for (const s of ['same-site', 'cross-site', 'Same-Origin', '', 'same-origin, cross-site', 'bogus']) {
    assert.equal(judge({ secFetchSite: s }), 'cross', JSON.stringify(s));
    assert.equal(judge({ secFetchSite: s, origin: OURS[0] }), 'cross', `${JSON.stringify(s)} with a same Origin`);
  }
  assert.equal(judge({ secFetchSite: 'same-origin', origin: 'https://evil.example' }), 'cross', 'both must agree');
});

test('neither Origin nor Sec-Fetch-Site (old clients): the token alone decides', () => {
  assert.equal(judge({}), 'token');
  assert.equal(judge({ method: 'DELETE' }), 'token');
});

test('JSON media types: application/json and application/*+json, any parameters', () => {
  for (const t of [
    'application/json',
    'Application/JSON',
    'application/json; charset=utf-8',
    'application/merge-patch+json',
    'application/vnd.api+json;v=1',
  ])
    assert.equal(isJsonMediaType(t), true, t);
  for (const t of [
    undefined,
    '',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonx',
    'application/+json',
    'application/json-seq',
    'text/plain; application/json',
  ])
    assert.equal(isJsonMediaType(t), false, String(t));
});

test('bodyKind: a Content-Type always counts; bytes without one are not JSON', () => {
  assert.equal(bodyKind({}), 'none');
  assert.equal(bodyKind({ contentLength: '0' }), 'none');
  assert.equal(bodyKind({ contentType: 'application/json', contentLength: '2' }), 'json');
  assert.equal(bodyKind({ contentType: 'application/json' }), 'json');
  assert.equal(
    bodyKind({ contentType: 'text/plain', contentLength: '0' }),
    'other',
    'an empty text/plain form is still a form',
  );
  assert.equal(bodyKind({ contentType: 'application/x-www-form-urlencoded', contentLength: '3' }), 'other');
  assert.equal(bodyKind({ contentLength: '2' }), 'other');
  assert.equal(bodyKind({ transferEncoding: 'chunked' }), 'other');
  assert.equal(bodyKind({ contentType: '' }), 'other');
});
