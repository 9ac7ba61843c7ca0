/**
 * The overview chart: deliveries per hour by status over the last 7 days, as a model of
 * stacked SVG bars the view draws. Pure: the route passes counts and the database clock.
 */
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../outbound/queue/enqueue.js';
import { HOUR_MS } from '../../outbound/queue/read.js';

// The hours the chart buckets are the hours the database counts by.
export { HOUR_MS };

/** One aggregated row: deliveries created in hour `hour` (= floor(ms / 1 h)) with `status`. */
export interface HourCount {
  hour: number;
  status: string;
  count: number;
}

export interface HourBucket {
  /** Start of the hour, epoch ms. */
  startMs: number;
  counts: Record<DeliveryStatus, number>;
  total: number;
}

const emptyCounts = (): Record<DeliveryStatus, number> => ({
  queued: 0,
  dispatched: 0,
  held: 0,
  success: 0,
  failed: 0,
  discarded: 0,
});

/**
 * `hours` consecutive hourly buckets ending with the hour containing `nowMs` (oldest first).
 * Rows outside the window or with an unknown status are ignored.
 */
export function bucketByHour(rows: readonly HourCount[], nowMs: number, hours = 168): HourBucket[] {
  const lastHour = Math.floor(nowMs / HOUR_MS);
  const firstHour = lastHour - hours + 1;
  const buckets: HourBucket[] = Array.from({ length: hours }, (_, i) => ({
    startMs: (firstHour + i) * HOUR_MS,
    counts: emptyCounts(),
    total: 0,
  }));
  for (const row of rows) {
    const i = Number(row.hour) - firstHour;
    if (!Number.isInteger(i) || i < 0 || i >= hours) continue;
    if (!(DELIVERY_STATUSES as readonly string[]).includes(row.status)) continue;
    const n = Number(row.count) || 0;
    buckets[i].counts[row.status as DeliveryStatus] += n;
    buckets[i].total += n;
  }
  return buckets;
}

/** A "nice" axis maximum ≥ n whose half is a whole number: 2, 4, 10, 20, 40, 100 … */
export function niceMax(n: number): number {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const step of [2, 4, 10]) if (step * magnitude >= n) return step * magnitude;
  }
}

export interface ChartBar {
  x: number;
  y: number;
  width: number;
  height: number;
  status: DeliveryStatus;
}
export interface ChartModel {
  width: number;
  height: number;
  /** Plot area: left edge and bottom (the x axis). */
  left: number;
  bottom: number;
  max: number;
  bars: ChartBar[];
  /** One hover title per non-empty hour. */
  hovers: Array<{ x: number; width: number; top: number; height: number; title: string }>;
  yTicks: Array<{ x: number; y: number; label: string }>;
  xLabels: Array<{ x: number; label: string }>;
  total: number;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Geometry of stacked bars (success at the bottom, then failed, discarded, held, dispatched, queued). */
export function buildChart(buckets: readonly HourBucket[], size = { width: 840, height: 200 }): ChartModel {
  const left = 36;
  const top = 8;
  const bottom = size.height - 22;
  const plotHeight = bottom - top;
  const slot = (size.width - left) / Math.max(1, buckets.length);
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.total)));
  const order: DeliveryStatus[] = ['success', 'failed', 'discarded', 'held', 'dispatched', 'queued'];
  const bars: ChartBar[] = [];
  const hovers: ChartModel['hovers'] = [];
  buckets.forEach((b, i) => {
    const x = round(left + i * slot + slot * 0.1);
    const width = round(Math.max(1, slot * 0.8));
    let y = bottom;
    for (const status of order) {
      const n = b.counts[status];
      if (n === 0) continue;
      const height = round((n / max) * plotHeight);
      y = round(y - height);
      bars.push({ x, y, width, height, status });
    }
    if (b.total > 0) {
      const parts = order.filter((s) => b.counts[s] > 0).map((s) => `${b.counts[s]} ${s}`);
      hovers.push({
        x,
        width,
        top,
        height: plotHeight,
        title: `${new Date(b.startMs).toISOString().slice(0, 13).replace('T', ' ')}:00 UTC — ${parts.join(', ')}`,
      });
    }
  });
  const yTicks = [0, max / 2, max].map((v) => ({
    x: left - 6,
    y: round(bottom - (v / max) * plotHeight),
    label: String(v),
  }));
  // A label needs ~44 units to its right; one that would run off the edge is left out.
  const xLabels = buckets.flatMap((b, i) => {
    const d = new Date(b.startMs);
    const x = round(left + i * slot);
    return d.getUTCHours() === 0 && x + 44 <= size.width
      ? [{ x, label: `${DAY_NAMES[d.getUTCDay()]} ${d.getUTCDate()}` }]
      : [];
  });
  return {
    width: size.width,
    height: size.height,
    left,
    bottom,
    max,
    bars,
    hovers,
    yTicks,
    xLabels,
    total: buckets.reduce((s, b) => s + b.total, 0),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
