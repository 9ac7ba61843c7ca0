/**
 * One execution per key in this process: a second call while the first is in flight gets the
 * first's promise instead of starting again. The run executor keys it by worker and run id: a
 * worker whose lease ran out while it was stalled can claim its own run again, and must not
 * execute it a second time beside the first (the execution in flight takes over the new claim's
 * lease token instead).
 */
export function createInFlight<K, V>() {
  const running = new Map<K, Promise<V>>();
  return {
    /** `start()`'s promise, or the one already in flight for `key`. */
    once(key: K, start: () => Promise<V>): Promise<V> {
      const current = running.get(key);
      if (current) return current;
      const started = start().finally(() => running.delete(key));
      running.set(key, started);
      return started;
    },
  };
}
