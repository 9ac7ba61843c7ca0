/**
 * `node --import tsx bench/save-hook.ts` — the record-save hook ALONE: the time spent inside
 * `hooks.recordUpdated` (inside the host's transaction: find the matching active workflows, insert
 * the queued run) and its SQL statements per save, for a deal save that one active workflow
 * matches. bench:outbound reports the whole save with and without the module; this isolates the
 * hook from the host's own statements and the other load on the machine. SQLite always;
 * MariaDB/MySQL too with HOOKFLOW_BENCH_MYSQL_URL. The first 200 saves are warm-up.
 */
import { benchMysqlUrl, clearQueues, createBenchDatabase, type BenchEngine } from './lib/db.js';
import { createBenchHost, createWebhookWorkflow } from './lib/host.js';
import { percentile } from './lib/stats.js';
async function main() {
  const mysql = benchMysqlUrl();
  for (const engine of (mysql ? ['sqlite', 'mysql'] : ['sqlite']) as BenchEngine[]) {
    const bdb = await createBenchDatabase(engine, mysql);
    const host = await createBenchHost(bdb.db, { outboundAllowlist: ['127.0.0.1/32'], pollIntervalMs: 1000 });
    try {
      await createWebhookWorkflow(host, 'http://127.0.0.1:9/hook');
      const record = await host.records.create('Deals', { title: 'bench deal' }, { actorUserId: host.admin.id });
      const inner = host.hookflow.hooks;
      const times: number[] = [];
      let statements = 0;
      let counting = false;
      bdb.db.on('query', () => {
        if (counting) statements++;
      });
      host.records.setHooks({
        ...inner,
        recordUpdated: async (e, trx) => {
          const t0 = performance.now();
          counting = true;
          try {
            await inner.recordUpdated(e, trx);
          } finally {
            counting = false;
            times.push(performance.now() - t0);
          }
        },
      });
      const n = engine === 'sqlite' ? 3000 : 1000;
      for (let i = 0; i < n; i++) {
        if (i % 500 === 0) await clearQueues(bdb.db);
        await host.records.update('Deals', record.id, { title: `t${i}` }, { actorUserId: host.admin.id });
      }
      const warm = times.slice(200);
      console.log(
        `${engine}: hook alone p50 ${percentile(warm, 50).toFixed(3)} ms, p99 ${percentile(warm, 99).toFixed(3)} ms, ${(statements / n).toFixed(2)} statements per save (${warm.length} saves)`,
      );
    } finally {
      host.records.setHooks(host.hookflow.hooks);
      await host.close();
      await bdb.destroy();
    }
  }
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
