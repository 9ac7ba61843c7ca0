/** The HostContext check install() runs first: every problem named, none missed, nothing extra. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHostContext, hostContextProblems } from '../../../module/host-check.js';
import { HookflowError } from '../../../module/errors.js';

const fn = () => undefined;
/** A structural knex stand-in: the check looks at the shape and the driver name only. */
const fakeKnex = (driverName: string) =>
  Object.assign(() => undefined, { transaction: fn, client: { driverName, config: { client: driverName } } });

function completeHost(): Record<string, any> {
  return {
    db: fakeKnex('mysql2'),
    records: { listModules: fn, get: fn, create: fn, update: fn, delete: fn },
    users: { get: fn, listActiveAdmins: fn, list: fn },
    mailer: { sendMail: fn },
    mailFrom: 'crm@example.com',
    requireAdmin: fn,
    logger: { debug: fn, info: fn, warn: fn, error: fn },
    now: () => new Date(),
    baseUrl: 'https://crm.example',
    attachHooks: fn,
  };
}

test('a complete context has no problem, on either supported driver', () => {
  assert.deepEqual(hostContextProblems(completeHost()), {});
  assert.deepEqual(hostContextProblems({ ...completeHost(), db: fakeKnex('better-sqlite3') }), {});
  assert.doesNotThrow(() => assertHostContext(completeHost()));
});

test('each missing function member is named by its path', () => {
  const members: Array<[string, string]> = [
    ['records', 'get'],
    ['records', 'create'],
    ['records', 'update'],
    ['records', 'delete'],
    ['records', 'listModules'],
    ['users', 'get'],
    ['users', 'listActiveAdmins'],
    ['users', 'list'],
    ['mailer', 'sendMail'],
    ['logger', 'info'],
    ['logger', 'error'],
  ];
  for (const [object, member] of members) {
    const host = completeHost();
    host[object] = { ...host[object], [member]: undefined };
    assert.deepEqual(Object.keys(hostContextProblems(host)), [`${object}.${member}`], `${object}.${member}`);
  }
  for (const top of [
    'requireAdmin',
    'attachHooks',
    'now',
    'mailFrom',
    'baseUrl',
    'records',
    'users',
    'mailer',
    'logger',
  ]) {
    const host = completeHost();
    delete host[top];
    assert.deepEqual(Object.keys(hostContextProblems(host)), [top], top);
  }
});

test('a db that is not knex, or knex on an unsupported driver, is refused naming the driver', () => {
  for (const db of [undefined, {}, 'mysql://x', () => undefined]) {
    assert.match(hostContextProblems({ ...completeHost(), db }).db, /must be a knex instance/);
  }
  for (const driver of ['pg', 'sqlite3', 'mssql', 'mariadb', 'constructor']) {
    assert.match(
      hostContextProblems({ ...completeHost(), db: fakeKnex(driver) }).db,
      new RegExp(`knex client "${driver}".*use better-sqlite3 or mysql2`),
    );
  }
});

test('now() must return a valid Date and baseUrl must be an http(s) URL', () => {
  assert.match(hostContextProblems({ ...completeHost(), now: () => Date.now() }).now, /valid Date/);
  assert.match(hostContextProblems({ ...completeHost(), now: () => new Date('nope') }).now, /valid Date/);
  for (const baseUrl of ['crm.example', 'ftp://crm.example', '', 42])
    assert.ok(hostContextProblems({ ...completeHost(), baseUrl }).baseUrl, String(baseUrl));
});

test('assertHostContext throws ONE bad_request that lists every problem', () => {
  const host = completeHost();
  delete host.requireAdmin;
  host.records = { ...host.records, get: undefined };
  host.db = fakeKnex('pg');
  assert.throws(
    () => assertHostContext(host),
    (err: unknown) => {
      assert.ok(err instanceof HookflowError);
      assert.equal(err.code, 'bad_request');
      assert.deepEqual(Object.keys(err.fields ?? {}).sort(), ['db', 'records.get', 'requireAdmin']);
      assert.match(err.message, /host\.records\.get is missing.*host\.requireAdmin is missing/s);
      return true;
    },
  );
  assert.deepEqual(hostContextProblems(null), { host: 'must be an object implementing HostContext' });
});

test('recordUrl is optional: absent or a function is fine, anything else is named', () => {
  assert.deepEqual(hostContextProblems(completeHost()), {}, 'absent');
  assert.deepEqual(
    hostContextProblems({
      ...completeHost(),
      recordUrl: (m: string, id: number) => `https://crm.example/r/${m}/${id}`,
    }),
    {},
    'a function',
  );
  assert.deepEqual(hostContextProblems({ ...completeHost(), recordUrl: undefined }), {}, 'explicitly undefined');
  for (const recordUrl of [null, 'https://crm.example/records', 42, {}, true]) {
    const problems = hostContextProblems({ ...completeHost(), recordUrl });
    assert.deepEqual(Object.keys(problems), ['recordUrl'], String(recordUrl));
    assert.match(problems.recordUrl, /must be a function/);
  }
  assert.throws(() => assertHostContext({ ...completeHost(), recordUrl: 'x' }), /host\.recordUrl must be a function/);
});
