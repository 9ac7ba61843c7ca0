import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  HIDDEN_URL,
  SECRET_RULES,
  adminDisplayUrl,
  displayUrlFor,
  looksSecret,
  maskUrlsIn,
  ownerDisplayUrl,
  secretRuleOf,
} from '../../../module/alerts/url-display.js';

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';

describe('secret-looking URL parts, rule by rule', () => {
  // Each rule: texts it must catch (and that no EARLIER rule catches, so the rule is needed)
  // and near misses it must leave alone.
  const cases: Record<string, { secret: string[]; plain: string[] }> = {
    uuid: {
      secret: [
        '9f1c2b7e-3d4a-4b5c-8d6e-0f1a2b3c4d5e',
        'a1b2c3d4-0000-4000-8000-000000000001@9f1c2b7e-3d4a-4b5c-8d6e-0f1a2b3c4d5e',
      ],
      plain: ['9f1c2b7e-3d4a-4b5c-8d6e', 'order-2026-01-15'],
    },
    hex: {
      secret: ['0123456789abcdef', 'DEADBEEFdeadbeef00', '1234567890123456'],
      plain: ['0123456789abcde', 'deadbeef-deadbeef'],
    },
    long: {
      secret: ['XXXXXXXXXXXXXXXXXXXXXXXX', 'abcdefghijklmnopqrst', 'IncomingWebhookHandlers'],
      plain: ['abcdefghijklmnopqrs', 'customer-notifications-endpoint'],
    },
    mixed: {
      secret: ['abc123def456ghi7', 'Proposal2026Report'],
      plain: ['invoice20260115', 'customerInvoices', 'abc123def456ghi'],
    },
    base64: {
      secret: ['Ab3_dE9-xY2_Qw7-Zk1_', 'Tx/9+aB3cD=eF7gH+iJ2', 'whsec_Mf+KQ9/r8GK=Yqr+TwjU'],
      plain: ['order-status-2026-updates', 'Ab3_dE9-xY2_Qw7-Zk1', 'ab3_de9-xy2_qw7-zk1_x'],
    },
  };

  test('every rule has cases, in the order the rules apply', () => {
    assert.deepEqual(
      Object.keys(cases),
      SECRET_RULES.map((r) => r.id),
    );
  });

  for (const rule of SECRET_RULES) {
    test(`${rule.id}: ${rule.why}`, () => {
      for (const text of cases[rule.id].secret)
        assert.equal(secretRuleOf(text), rule.id, `${text} is caught by ${rule.id}`);
      for (const text of cases[rule.id].plain) assert.equal(secretRuleOf(text), null, `${text} is not secret-looking`);
    });
  }

  test('ordinary path words, ids and versions are kept', () => {
    for (const text of [
      'services',
      'T000',
      'B000',
      'api',
      'v2',
      'webhooks',
      '12345',
      'invoices',
      'IncomingWebhook',
      'deal.updated',
      '',
    ])
      assert.equal(looksSecret(text), false, text);
  });

  test('judged after percent-decoding (an encoded token is still a token)', () => {
    assert.equal(looksSecret('Ab3%5FdE9%2DxY2%5FQw7%2DZk1%5F'), true);
    assert.equal(looksSecret('%E0%A4%A'), false, 'malformed escapes are judged raw, never throw');
  });
});

describe('a non-admin sees the origin only', () => {
  test('scheme, host and port; no path, query, fragment or user info', () => {
    assert.equal(ownerDisplayUrl(SLACK), 'https://hooks.slack.com');
    assert.equal(ownerDisplayUrl('http://u:pw@erp.example:8443/a/b?token=t#x'), 'http://erp.example:8443');
    assert.equal(ownerDisplayUrl('https://[2001:db8::1]:444/x'), 'https://[2001:db8::1]:444');
    assert.equal(
      ownerDisplayUrl('HTTPS://ERP.Example:443/x'),
      'https://erp.example',
      'normalised: default port dropped, host lower case',
    );
  });

  test('anything that is not an http(s) URL is not shown at all', () => {
    for (const raw of ['not a url', 'ftp://files.example/secret', 'javascript:alert(1)', ''])
      assert.equal(ownerDisplayUrl(raw), HIDDEN_URL, raw);
  });
});

describe('an admin sees the path with secrets masked', () => {
  test('a Slack URL keeps its shape, loses its secret', () => {
    assert.equal(adminDisplayUrl(SLACK), 'https://hooks.slack.com/services/T000/B000/****');
  });

  test('a Teams URL: UUIDs and the hex token masked', () => {
    const teams =
      'https://contoso.webhook.office.com/webhookb2/9f1c2b7e-3d4a-4b5c-8d6e-0f1a2b3c4d5e@a1b2c3d4-0000-4000-8000-000000000001/IncomingWebhook/0123456789abcdef0123456789abcdef/9f1c2b7e-3d4a-4b5c-8d6e-0f1a2b3c4d5e';
    assert.equal(adminDisplayUrl(teams), 'https://contoso.webhook.office.com/webhookb2/****/IncomingWebhook/****/****');
  });

  test('user info masked, both parts', () => {
    assert.equal(adminDisplayUrl('https://u:p4ss@erp.example/h'), 'https://****:****@erp.example/h');
    assert.equal(adminDisplayUrl('https://apikey@erp.example/h'), 'https://****@erp.example/h');
  });

  test('query values masked when the name looks like a credential or the value looks secret; others kept as written', () => {
    assert.equal(
      adminDisplayUrl('https://erp.example/h?api_key=k&x=1&token=t&Signature=s&sid=Ab3_dE9-xY2_Qw7-Zk1_&q=a%20b&flag'),
      'https://erp.example/h?api_key=****&x=1&token=****&Signature=****&sid=****&q=a%20b&flag',
    );
    assert.equal(
      adminDisplayUrl('https://erp.example/h?0123456789abcdef0123=1'),
      'https://erp.example/h?****=1',
      'a secret-looking name',
    );
    assert.equal(adminDisplayUrl('https://erp.example/h?token='), 'https://erp.example/h?token=', 'nothing to mask');
  });

  test('a secret-looking fragment is masked', () => {
    assert.equal(adminDisplayUrl('https://erp.example/h#XXXXXXXXXXXXXXXXXXXXXXXX'), 'https://erp.example/h#****');
    assert.equal(adminDisplayUrl('https://erp.example/h#top'), 'https://erp.example/h#top');
  });

  test('unparseable: not shown', () => {
    assert.equal(adminDisplayUrl('not a url'), HIDDEN_URL);
  });
});

describe('URLs inside free text', () => {
  const reason = `receiver answered 410 Gone for ${SLACK}`;
  test('each URL shown as the audience may see it; the rest of the text kept', () => {
    assert.equal(maskUrlsIn(reason, 'owner'), 'receiver answered 410 Gone for https://hooks.slack.com');
    assert.equal(
      maskUrlsIn(reason, 'admin'),
      'receiver answered 410 Gone for https://hooks.slack.com/services/T000/B000/****',
    );
    assert.equal(
      maskUrlsIn('a http://x.example/0123456789abcdef and HTTPS://y.example/p?token=z', 'admin'),
      'a http://x.example/**** and https://y.example/p?token=****',
    );
  });
  test('punctuation after a URL stays with the prose', () => {
    assert.equal(maskUrlsIn(`for ${SLACK}.`, 'admin'), 'for https://hooks.slack.com/services/T000/B000/****.');
    assert.equal(maskUrlsIn(`(see ${SLACK}): down`, 'owner'), '(see https://hooks.slack.com): down');
  });
  test('displayUrlFor picks by audience', () => {
    assert.equal(displayUrlFor(SLACK, 'owner'), ownerDisplayUrl(SLACK));
    assert.equal(displayUrlFor(SLACK, 'admin'), adminDisplayUrl(SLACK));
  });
});
