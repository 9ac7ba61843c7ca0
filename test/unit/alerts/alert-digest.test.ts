import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideThrottle,
  groupByTask,
  mailRetryDelayMs,
  planRecipientMails,
  type AlertTarget,
} from '../../../module/alerts/alert-digest.js';
import type { HostUser } from '../../../module/host.js';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MIN = 60_000;
const user = (id: number, email: string, over: Partial<HostUser> = {}): HostUser => ({
  id,
  name: `User ${id}`,
  email,
  active: true,
  isAdmin: false,
  ...over,
});
const ada = user(1, 'ada@example.com', { isAdmin: true });
const bob = user(2, 'bob@example.com', { isAdmin: true });
const sam = user(3, 'sam@example.com');
const tom = user(4, 'tom@example.com');

describe('decideThrottle', () => {
  test('the first failure of a webhook is mailed at once', () => {
    assert.deepEqual(decideThrottle({ nowMs: T0, lastMailAtMs: null, windowMs: 15 * MIN }), { action: 'send' });
  });
  test('within the window of the last mail: wait until the window ends', () => {
    assert.deepEqual(decideThrottle({ nowMs: T0 + 3 * MIN, lastMailAtMs: T0, windowMs: 15 * MIN }), {
      action: 'defer',
      untilMs: T0 + 15 * MIN,
    });
  });
  test('at or after the end of the window: send', () => {
    assert.deepEqual(decideThrottle({ nowMs: T0 + 15 * MIN, lastMailAtMs: T0, windowMs: 15 * MIN }), {
      action: 'send',
    });
    assert.deepEqual(decideThrottle({ nowMs: T0 + 60 * MIN, lastMailAtMs: T0, windowMs: 15 * MIN }), {
      action: 'send',
    });
  });
  test('a window of 0 never waits', () => {
    assert.deepEqual(decideThrottle({ nowMs: T0 + 1, lastMailAtMs: T0, windowMs: 0 }), { action: 'send' });
  });
});

describe('mailRetryDelayMs', () => {
  test('1, 5, 15, then 60 minutes for ever', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 50].map(mailRetryDelayMs),
      [1, 5, 15, 60, 60, 60].map((m) => m * MIN),
    );
  });
  test('nonsense input is treated as the first failure', () => {
    assert.equal(mailRetryDelayMs(0), MIN);
    assert.equal(mailRetryDelayMs(-3), MIN);
  });
});

describe('groupByTask', () => {
  const rows = [
    { id: 1, taskId: 7 },
    { id: 2, taskId: 8 },
    { id: 3, taskId: 7 },
    { id: 4, taskId: null },
    { id: 5, taskId: 9 },
    { id: 6, taskId: null },
    { id: 7, taskId: 7 },
  ];
  test('one group per task in order of first appearance; task-less alerts share one group', () => {
    assert.deepEqual(
      groupByTask(rows, 10, 10).map((g) => g.map((r) => r.id)),
      [[1, 3, 7], [2], [4, 6], [5]],
    );
  });
  test('at most maxGroups groups: later tasks are left for the next claim', () => {
    assert.deepEqual(
      groupByTask(rows, 2, 10).map((g) => g.map((r) => r.id)),
      [[1, 3, 7], [2]],
    );
  });
  test('at most maxPerGroup alerts per group', () => {
    assert.deepEqual(
      groupByTask(rows, 1, 2).map((g) => g.map((r) => r.id)),
      [[1, 3]],
    );
  });
});

describe('planRecipientMails', () => {
  const owners = new Map<number, HostUser | null>([
    [3, sam],
    [4, tom],
  ]);
  const plan = (
    alerts: AlertTarget[],
    over: {
      admins?: HostUser[];
      owners?: Map<number, HostUser | null>;
      alreadySent?: Array<{ alertId: number; address: string }>;
    } = {},
  ) =>
    planRecipientMails({
      alerts,
      admins: over.admins ?? [ada, bob],
      owners: over.owners ?? owners,
      alreadySent: over.alreadySent ?? [],
    });
  const summary = (r: ReturnType<typeof plan>) => r.mails.map((m) => [m.address, m.alertIds]);

  test('every active admin and the record owner each get one mail', () => {
    assert.deepEqual(summary(plan([{ alertId: 10, ownerUserId: 3 }])), [
      ['ada@example.com', [10]],
      ['bob@example.com', [10]],
      ['sam@example.com', [10]],
    ]);
  });

  test('an owner who is an admin gets one mail, not two', () => {
    const r = plan([{ alertId: 10, ownerUserId: 1 }], { owners: new Map([[1, ada]]) });
    assert.deepEqual(summary(r), [
      ['ada@example.com', [10]],
      ['bob@example.com', [10]],
    ]);
  });

  test('admins get all deliveries of a digest, owners only those of their records', () => {
    const r = plan([
      { alertId: 10, ownerUserId: 3 },
      { alertId: 11, ownerUserId: 4 },
      { alertId: 12, ownerUserId: 3 },
      { alertId: 13, ownerUserId: null },
    ]);
    assert.deepEqual(summary(r), [
      ['ada@example.com', [10, 11, 12, 13]],
      ['bob@example.com', [10, 11, 12, 13]],
      ['sam@example.com', [10, 12]],
      ['tom@example.com', [11]],
    ]);
  });

  test('an inactive owner or a missing owner gets nothing; inactive admins are ignored', () => {
    const r = plan(
      [
        { alertId: 10, ownerUserId: 3 },
        { alertId: 11, ownerUserId: 99 },
      ],
      {
        owners: new Map([
          [3, { ...sam, active: false }],
          [99, null],
        ]),
        admins: [ada, { ...bob, active: false }],
      },
    );
    assert.deepEqual(summary(r), [['ada@example.com', [10, 11]]]);
  });

  test('a bad address is skipped and reported; a header-injection attempt never becomes a recipient', () => {
    const evil = user(5, 'eve@example.com\r\nBcc: all@example.com', { isAdmin: true });
    const r = plan([{ alertId: 10, ownerUserId: null }], {
      admins: [ada, evil, user(6, 'not an address', { isAdmin: true })],
    });
    assert.deepEqual(summary(r), [['ada@example.com', [10]]]);
    assert.deepEqual(
      r.skipped.map((s) => s.userId),
      [5, 6],
    );
    assert.match(r.skipped[0].reason, /line breaks/);
  });

  test('users sharing an address (any case) get one mail with the union of their deliveries', () => {
    const r = plan(
      [
        { alertId: 10, ownerUserId: 4 },
        { alertId: 11, ownerUserId: null },
      ],
      { admins: [ada], owners: new Map([[4, { ...tom, email: 'ADA@example.com' }]]) },
    );
    assert.deepEqual(summary(r), [['ada@example.com', [10, 11]]]);
    assert.deepEqual(r.mails[0].userIds, [1, 4]);
  });

  test('a retry after a partial send mails only what each address has not had yet', () => {
    const r = plan(
      [
        { alertId: 10, ownerUserId: 3 },
        { alertId: 11, ownerUserId: 3 },
      ],
      {
        alreadySent: [
          { alertId: 10, address: 'ada@example.com' },
          { alertId: 11, address: 'ada@example.com' },
          { alertId: 10, address: 'sam@example.com' },
        ],
      },
    );
    assert.deepEqual(summary(r), [
      ['bob@example.com', [10, 11]],
      ['sam@example.com', [11]],
    ]);
  });

  test('admins get the admin view; a non-admin owner, or an address a non-admin shares, the owner view', () => {
    const audiences = (r: ReturnType<typeof plan>) => r.mails.map((m) => [m.address, m.audience]);
    assert.deepEqual(audiences(plan([{ alertId: 10, ownerUserId: 3 }])), [
      ['ada@example.com', 'admin'],
      ['bob@example.com', 'admin'],
      ['sam@example.com', 'owner'],
    ]);
    assert.deepEqual(
      audiences(plan([{ alertId: 10, ownerUserId: 1 }], { owners: new Map([[1, ada]]) })),
      [
        ['ada@example.com', 'admin'],
        ['bob@example.com', 'admin'],
      ],
      'an owner who is an admin',
    );
    const shared = plan([{ alertId: 10, ownerUserId: 4 }], {
      admins: [ada],
      owners: new Map([[4, { ...tom, email: 'ada@example.com' }]]),
    });
    assert.deepEqual(
      audiences(shared),
      [['ada@example.com', 'owner']],
      'whoever reads a shared mailbox may be the non-admin',
    );
  });

  test('nobody to mail: no admins, no owner', () => {
    assert.deepEqual(plan([{ alertId: 10, ownerUserId: null }], { admins: [] }).mails, []);
  });
});
