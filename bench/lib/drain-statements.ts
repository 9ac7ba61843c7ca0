/**
 * bench:outbound's statement count: every SQL statement the worker sends while it drains `n`
 * queued deliveries to one receiver (queued first, not counted) — claims, leases, attempt writes
 * and their transactions, plus whatever its other lanes poll meanwhile and its start and stop (a
 * few statements). The wait is on the receiver's count (in memory), so the bench's own polling is
 * not counted; stop() returns after the last attempt write. Each statement is one round trip on
 * MariaDB/MySQL.
 */
import type { BenchEngine } from './db.js';
import { clearQueues } from './db.js';
import { checkDeliveries, enqueueMany, type QueueTarget } from './deliveries.js';
import type { Receiver } from './receiver.js';
import { countStatements, describeCount } from './sql-count.js';
import { waitUntil, type Row } from './stats.js';

/** The table row (statements and commits per delivery, by kind) and the drain's correctness problems. */
export async function drainStatementRow(
  engine: BenchEngine,
  t: QueueTarget,
  rx: Receiver,
  n: number,
): Promise<{ row: Row; problems: string[] }> {
  await clearQueues(t.db);
  await enqueueMany(t, n, [rx.url]);
  const seen = rx.count();
  const count = await countStatements(
    t.db,
    async () => {
      t.host.hookflow.worker.start();
      await waitUntil(`${n} requests`, 120_000, async () => rx.count() - seen >= n, 2);
      await t.host.hookflow.worker.stop();
    },
    0,
  );
  const per = (v: number) => (v / n).toFixed(2);
  const row: Row = {
    engine,
    metric: `SQL statements per delivery, one drain of ${n}${engine === 'mysql' ? ' (each a round trip)' : ''}`,
    actual: `${per(count.total)} (${per(count.commits)} commits)`,
    baseline: describeCount(count),
  };
  return { row, problems: await checkDeliveries(t.db, [rx], { urls: [rx.url], expected: n }) };
}
