/** Which charsets and media types the short URL reads (whole requests: test/corpus/inbound-requests.tsv). Pure. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  charsetProblem,
  multipartParams,
  partHeaderCharsets,
  unsupportedType,
} from '../../../module/inbound/media-types.js';

const part = (headers: string, value = 'x') => `--XB\r\n${headers}\r\n\r\n${value}\r\n`;

describe('inbound media types and charsets', () => {
  test('UTF-8 or no charset is fine; anything else is a 415 naming the charset', () => {
    for (const ok of [undefined, null, 'utf-8', 'UTF-8', 'Utf-8'])
      assert.equal(charsetProblem(ok, 'Content-Type'), null, String(ok));
    for (const bad of ['utf-7', 'utf8', 'utf-16le', 'iso-8859-1', '']) {
      const err = charsetProblem(bad, 'Content-Type');
      assert.equal(err?.status, 415, bad);
      assert.ok(err?.message.includes(JSON.stringify(bad)), `${bad}: ${err?.message}`);
    }
  });

  test('a 415 for another type names the type, without its parameters', () => {
    assert.match(
      unsupportedType('text/x+json; charset=utf-8').message,
      /^Content type "text\/x\+json" is not accepted; send /,
    );
    assert.match(unsupportedType(undefined).message, /^The body has no Content-Type/);
  });

  test('multipart parameters are read as busboy reads them (the first of a repeated one)', () => {
    assert.deepEqual(multipartParams('multipart/form-data; boundary=XB; charset=UTF-16'), {
      boundary: 'XB',
      charset: 'UTF-16',
    });
    assert.deepEqual(multipartParams('multipart/form-data; boundary="a b"; boundary=c'), {
      boundary: 'a b',
      charset: undefined,
    });
    assert.equal(multipartParams('multipart/form-data'), null);
    assert.equal(multipartParams(undefined), null);
  });

  test('every charset named in part headers is found, and none from field values', () => {
    const body = Buffer.from(
      [
        part('Content-Disposition: form-data; name="a"'),
        part('Content-Disposition: form-data; name="b"\r\nContent-Type: text/plain; charset=UTF-16LE'),
        part('Content-Disposition: form-data; name="c"\r\ncontent-type: text/plain;CHARSET="iso-8859-1"'),
        part("Content-Disposition: form-data; name*=koi8-r''%C1"),
        part('Content-Disposition: form-data; name="d"', 'Content-Type: text/plain; charset=utf-7\r\n\r\nnot a header'),
        '--XB--\r\n',
      ].join(''),
    );
    assert.deepEqual(partHeaderCharsets(body, 'XB'), ['UTF-16LE', 'iso-8859-1', 'koi8-r']);
  });

  test('a part header is found even when it does not end in a blank line', () => {
    assert.deepEqual(
      partHeaderCharsets(Buffer.from('preamble\r\n--XB\r\nContent-Type: text/plain; charset=utf-16'), 'XB'),
      ['utf-16'],
    );
  });
});
