/**
 * How busy the whole machine's CPUs were over a stretch (every process, not only the measured
 * ones: on a shared machine that is what says whether the CPUs were the limit), from os.cpus()
 * (os.cpus() reads it there).
 */
import os from 'node:os';

export interface CpuTimes {
  busy: number;
  total: number;
}

export function cpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

/** The share of CPU time (0–1) that was busy since `from`. */
export function cpuBusySince(from: CpuTimes): number {
  const now = cpuTimes();
  const total = now.total - from.total;
  return total > 0 ? (now.busy - from.busy) / total : 0;
}
