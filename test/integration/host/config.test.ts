import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostConfigError, loadHostConfig } from '../../../host/config.js';

const dirs: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-config-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const KEY = 'a'.repeat(64);

function errorOf(env: Record<string, string>): HostConfigError {
  try {
    loadHostConfig({ HOOKFLOW_SECRET_KEY: KEY, ...env });
  } catch (err) {
    assert.ok(err instanceof HostConfigError, `expected HostConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected loadHostConfig to throw');
}

describe('host config', () => {
  test('DATABASE_URL with an unknown scheme names the variable and the fix', () => {
    assert.equal(
      errorOf({ DATABASE_URL: 'foo://x' }).message,
      'DATABASE_URL: unsupported scheme foo; use sqlite: or mysql://',
    );
  });

  test('defaults', () => {
    const dataDir = tmp();
    const config = loadHostConfig({ HOOKFLOW_DATA_DIR: dataDir });
    assert.equal(config.databaseUrl, 'sqlite:data/hookflow.sqlite');
    assert.deepEqual(config.database, { engine: 'sqlite', file: 'data/hookflow.sqlite' });
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.baseUrl, 'http://localhost:3000');
    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.mailFrom, '"Hookflow" <hookflow@localhost>');
    assert.equal(config.inProcessWorker, true);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.demoAdminPassword, undefined);
  });

  test('BASE_URL follows PORT by default and loses its trailing slash', () => {
    assert.equal(loadHostConfig({ HOOKFLOW_SECRET_KEY: KEY, PORT: '8080' }).baseUrl, 'http://localhost:8080');
    assert.equal(
      loadHostConfig({ HOOKFLOW_SECRET_KEY: KEY, BASE_URL: 'https://crm.example/' }).baseUrl,
      'https://crm.example',
    );
  });

  test('empty strings count as unset', () => {
    const config = loadHostConfig({ HOOKFLOW_SECRET_KEY: KEY, PORT: '', SMTP_URL: '', DATABASE_URL: '' });
    assert.equal(config.port, 3000);
    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.databaseUrl, 'sqlite:data/hookflow.sqlite');
  });

  test('every bad variable gets a one-line message starting with its name', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'eighty' }, /^PORT: must be an integer from 0 to 65535$/],
      [{ PORT: '70000' }, /^PORT: must be an integer from 0 to 65535$/],
      [{ BASE_URL: 'ftp://x' }, /^BASE_URL: must be an http:\/\/ or https:\/\/ URL$/],
      [{ SMTP_URL: 'http://mail' }, /^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL$/],
      [{ HOOKFLOW_IN_PROCESS_WORKER: 'maybe' }, /^HOOKFLOW_IN_PROCESS_WORKER: must be true or false$/],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of /],
      [{ HOOKFLOW_SECRET_KEY: 'short' }, /^HOOKFLOW_SECRET_KEY: must be 32 bytes/],
      [{ HOOKFLOW_DEMO_ADMIN_PASSWORD: 'x' }, /^HOOKFLOW_DEMO_ADMIN_PASSWORD: must be at least 8 characters$/],
      [{ DATABASE_URL: 'mysql://host-only' }, /^DATABASE_URL: mysql:\/\/ URL needs a database name/],
      [{ DATABASE_URL: 'nonsense' }, /^DATABASE_URL: unsupported scheme \(none\); use sqlite: or mysql:\/\/$/],
    ];
    for (const [env, pattern] of cases) {
      const message = errorOf(env).message;
      assert.match(message, pattern, JSON.stringify(env));
      assert.ok(!message.includes('\n'), 'one line');
    }
  });

  test('booleans and mysql URLs parse', () => {
    const config = loadHostConfig({
      HOOKFLOW_SECRET_KEY: KEY,
      HOOKFLOW_IN_PROCESS_WORKER: 'false',
      DATABASE_URL: 'mysql://root@127.0.0.1:3306/crm',
    });
    assert.equal(config.inProcessWorker, false);
    assert.equal(config.database.engine, 'mysql');
  });

  test('secret key: generated once with mode 600, then reused', () => {
    const dataDir = path.join(tmp(), 'nested', 'data');
    const first = loadHostConfig({ HOOKFLOW_DATA_DIR: dataDir }).secretKey;
    assert.match(first, /^[0-9a-f]{64}$/);
    const file = path.join(dataDir, 'secret.key');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(loadHostConfig({ HOOKFLOW_DATA_DIR: dataDir }).secretKey, first);
  });

  test('a corrupt secret.key is refused, not replaced', () => {
    const dataDir = tmp();
    fs.writeFileSync(path.join(dataDir, 'secret.key'), 'garbage');
    assert.throws(
      () => loadHostConfig({ HOOKFLOW_DATA_DIR: dataDir }),
      /^HostConfigError: HOOKFLOW_SECRET_KEY: .*secret\.key does not hold 32 bytes/,
    );
    assert.equal(fs.readFileSync(path.join(dataDir, 'secret.key'), 'utf8'), 'garbage');
  });

  test('a bad variable writes nothing', () => {
    const dataDir = path.join(tmp(), 'never');
    assert.throws(() => loadHostConfig({ HOOKFLOW_DATA_DIR: dataDir, PORT: 'x' }), HostConfigError);
    assert.equal(fs.existsSync(dataDir), false);
  });

  test('an explicit base64 secret key is accepted', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    assert.equal(loadHostConfig({ HOOKFLOW_SECRET_KEY: key }).secretKey, key);
  });
});
