/** A page of a filtered query plus the total count of the filter (for pagination). */
import type { Knex } from 'knex';

export async function pageOf<T>(
  q: Knex.QueryBuilder,
  page: { limit: number; offset: number },
  map: (row: Record<string, any>) => T,
): Promise<{ items: T[]; total: number }> {
  const [{ total }] = await q.clone().count({ total: '*' });
  const rows = await q.orderBy('id', 'desc').limit(page.limit).offset(page.offset);
  return { items: rows.map(map), total: Number(total) };
}
