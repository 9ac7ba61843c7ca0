/**
 * SQL statements one request costs, counted with knex's `query` event (every statement knex
 * sends: selects, writes, and a transaction's BEGIN / COMMIT / ROLLBACK / savepoints). The
 * caller stops background work first (the in-process worker's polls and heartbeat would be
 * counted too). Statements sent after the answer arrived are counted separately: they are
 * work the request left behind.
 */
import type { Knex } from 'knex';

export interface StatementCount {
  total: number;
  /** Statements that arrived after the HTTP answer (within the settle time). */
  afterAnswer: number;
  /** By kind: select, insert, update, delete, begin, commit, rollback, savepoint, other. */
  byKind: Record<string, number>;
  /** Explicit transactions (BEGIN … COMMIT). */
  transactions: number;
  /** Commits the database makes durable: COMMITs, plus each write sent outside a transaction (autocommit). */
  commits: number;
  statements: string[];
}

function kindOf(sql: string): string {
  const s = sql.trim().toLowerCase();
  for (const k of [
    'select',
    'insert',
    'update',
    'delete',
    'begin',
    'commit',
    'rollback',
    'savepoint',
    'release',
    'pragma',
    'set',
    'with',
  ])
    if (s.startsWith(k)) return k === 'release' ? 'savepoint' : k;
  if (s.startsWith('start transaction')) return 'begin';
  return 'other';
}

/** Runs `request` with every knex statement counted; waits `settleMs` after it for late ones. */
export async function countStatements(db: Knex, request: () => Promise<void>, settleMs = 200): Promise<StatementCount> {
  const seen: Array<{ sql: string; after: boolean }> = [];
  let answered = false;
  const listener = (q: { sql: string }) => {
    seen.push({ sql: q.sql, after: answered });
  };
  db.on('query', listener);
  try {
    await request();
    answered = true;
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    db.off('query', listener);
  }
  const byKind: Record<string, number> = {};
  let inTransaction = false;
  let commits = 0;
  for (const s of seen) {
    const kind = kindOf(s.sql);
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if (kind === 'begin') inTransaction = true;
    else if (kind === 'commit') {
      inTransaction = false;
      commits++;
    } else if (kind === 'rollback') inTransaction = false;
    else if (!inTransaction && ['insert', 'update', 'delete'].includes(kind)) commits++;
  }
  return {
    total: seen.length,
    afterAnswer: seen.filter((s) => s.after).length,
    byKind,
    transactions: byKind.begin ?? 0,
    commits,
    statements: seen.map((s) => `${s.after ? '(after answer) ' : ''}${s.sql}`),
  };
}

/** `13 = 7 select + 2 insert + 2 update + BEGIN + COMMIT; 4 commits` (a commit per transaction and per autocommit write). */
export function describeCount(c: StatementCount): string {
  const order = ['select', 'insert', 'update', 'delete', 'pragma', 'set', 'with', 'other'];
  const parts = order.filter((k) => c.byKind[k]).map((k) => `${c.byKind[k]} ${k}`);
  for (const k of ['begin', 'commit', 'rollback', 'savepoint'])
    if (c.byKind[k]) parts.push(c.byKind[k] === 1 ? k.toUpperCase() : `${c.byKind[k]} ${k.toUpperCase()}`);
  return `${c.total} = ${parts.join(' + ')}; ${c.commits} commit${c.commits === 1 ? '' : 's'}${c.afterAnswer ? `; ${c.afterAnswer} after the answer` : ''}`;
}
