/** The redirect decision's building blocks (the case list is test/corpus/inbound-redirects.tsv). Pure. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideRedirect,
  isSerializedLocation,
  literalOrigin,
  literalPart,
  MAX_REDIRECT_LENGTH,
  redirectTemplateProblem,
  siteOriginOf,
} from '../../../module/inbound/redirect-target.js';

const site = { siteOrigin: 'https://crm.example', allowedOrigins: [] };

describe('redirect target', () => {
  test('the site origin comes from the base URL; only http(s) bases count', () => {
    assert.equal(siteOriginOf('https://crm.example/crm/'), 'https://crm.example');
    assert.equal(siteOriginOf('http://crm.test'), 'http://crm.test');
    assert.equal(siteOriginOf('ftp://crm.example'), null);
    assert.equal(siteOriginOf('crm.example'), null);
    assert.equal(siteOriginOf(undefined), null);
  });

  test('the literal part ends at the first template expression; only a spelled-out origin counts', () => {
    assert.equal(literalPart('https://shop.example/t?id={{env.id}}&x=$env.y'), 'https://shop.example/t?id=');
    assert.equal(literalPart('/a$env.b{{c}}'), '/a');
    assert.equal(literalOrigin('https://shop.example/t?id={{env.id}}'), 'https://shop.example');
    assert.equal(literalOrigin('HTTPS://Shop.Example:443/x'), 'https://shop.example');
    for (const t of [
      '/{{env.page}}',
      '{{env.url}}',
      'https://{{env.host}}/',
      'https:shop.example/x',
      'https:/\\shop.example/',
      'javascript:x',
      'https://u@shop.example/',
      ' https://shop.example/',
    ]) {
      assert.equal(literalOrigin(t), null, t);
    }
  });

  test('a same-site path goes out path-absolute; another allowed origin and a // path in full', () => {
    assert.deepEqual(decideRedirect('/a?b#c', site), { ok: true, location: '/a?b#c' });
    assert.deepEqual(decideRedirect('/x/..//evil', site), { ok: true, location: 'https://crm.example//evil' });
    assert.deepEqual(decideRedirect('https://shop.example/x', { ...site, allowedOrigins: ['https://shop.example'] }), {
      ok: true,
      location: 'https://shop.example/x',
    });
  });

  test('refusals name the problem in plain words', () => {
    assert.deepEqual(decideRedirect('//evil.example', site), {
      ok: false,
      problem:
        "leads to another site (https://evil.example); use a path on this site or write that site's https:// address out in the redirect URL",
    });
    assert.deepEqual(decideRedirect('/a\tb', site), {
      ok: false,
      problem: 'contains a control character (tab, line break …)',
    });
    assert.deepEqual(decideRedirect('mailto:a@b.example', site), { ok: false, problem: 'must be an http(s) URL' });
    assert.deepEqual(decideRedirect(`/${'a'.repeat(MAX_REDIRECT_LENGTH)}`, site), {
      ok: false,
      problem: `is longer than ${MAX_REDIRECT_LENGTH} characters`,
    });
    assert.deepEqual(
      decideRedirect('/thanks', { siteOrigin: null, allowedOrigins: [] }).ok,
      false,
      'a path needs a site to resolve against',
    );
    assert.deepEqual(decideRedirect('http://[::1', site), { ok: false, problem: 'is not a valid URL' });
  });

  test('save-time: a static URL must be fine on an http and an https site', () => {
    assert.equal(redirectTemplateProblem('/thanks'), null);
    assert.equal(redirectTemplateProblem('ftp://x'), 'must be an http(s) URL');
    assert.match(redirectTemplateProblem('https:evil.example') ?? '', /another site \(https:\/\/evil\.example\)/);
  });

  test('the Location check accepts only serialized forms', () => {
    for (const ok of ['/thanks', '/a?x=\\y', 'https://shop.example/x', 'http://crm.test/'])
      assert.equal(isSerializedLocation(ok), true, ok);
    for (const bad of [
      '',
      '//evil',
      '/\\evil',
      'thanks',
      '/a b',
      'https://shop.example',
      'javascript:alert(1)',
      '/a\r\nx: y',
      'https://user@shop.example/',
    ])
      assert.equal(isSerializedLocation(bad), false, bad);
  });

  test('deciding costs no exception, whatever the input (URL.canParse first)', (t) => {
    const Real = globalThis.URL;
    let thrown = 0;
    class Counting extends Real {
      constructor(url: string | URL, base?: string | URL) {
        try {
          super(url, base);
        } catch (err) {
          thrown += 1;
          throw err;
        }
      }
    }
    globalThis.URL = Counting as typeof URL;
    t.after(() => {
      globalThis.URL = Real;
    });
    for (const c of [
      '/thanks',
      'thanks',
      'http://[::1',
      '\\\\evil',
      '//evil',
      'javascript:x',
      '%%',
      'https://shop.example/x',
    ]) {
      decideRedirect(c, site);
      decideRedirect(c, { siteOrigin: null, allowedOrigins: [] });
      literalOrigin(c);
      isSerializedLocation(c);
      redirectTemplateProblem(c);
    }
    siteOriginOf('not a url');
    globalThis.URL = Real;
    assert.equal(thrown, 0);
  });
});
