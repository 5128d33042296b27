export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

export interface Measured {
  /** Sequential latency, microseconds. */
  p50: number;
  p99: number;
  sequentialRate: number;
  /** Throughput with `inFlight` calls outstanding. */
  concurrentRate: number;
}

export interface Load {
  warmup: number;
  sequential: number;
  concurrent: number;
  inFlight: number;
}

/**
 * A decision benchmark's load: its own counts of sequential and concurrent calls unless
 * BENCH_SEQUENTIAL / BENCH_CONCURRENT say otherwise, 32 in flight, 300 calls of warm-up.
 */
export function decisionLoad(counts: { sequential: number; concurrent: number; warmup?: number }): Load {
  return {
    warmup: counts.warmup ?? 300,
    sequential: Number(process.env.BENCH_SEQUENTIAL ?? counts.sequential),
    concurrent: Number(process.env.BENCH_CONCURRENT ?? counts.concurrent),
    inFlight: 32,
  };
}

/** Warm up, then time `sequential` calls one after another and `concurrent` calls `inFlight` at a time. */
export async function measureCalls(
  call: (i: number) => Promise<unknown>,
  { warmup, sequential, concurrent, inFlight }: Load,
): Promise<Measured> {
  for (let i = 0; i < warmup; i++) await call(i);
  const latencies: number[] = [];
  let started = performance.now();
  for (let i = 0; i < sequential; i++) {
    const t = performance.now();
    await call(i);
    latencies.push((performance.now() - t) * 1000);
  }
  const sequentialRate = sequential / ((performance.now() - started) / 1000);
  latencies.sort((a, b) => a - b);
  let next = 0;
  started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < concurrent) await call(next++);
    }),
  );
  const concurrentRate = concurrent / ((performance.now() - started) / 1000);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), sequentialRate, concurrentRate };
}

export interface InFlightTimes {
  /** Wall time of a call, ms. */
  p50: number;
  p99: number;
  /** Calls per second over the whole run. */
  rate: number;
  /** This process's CPU (user + system, µs) per call. */
  cpuPerCall: number;
}

/** Warm up, then time `total` calls made `inFlight` at a time: each call's latency, the rate and CPU. */
export async function timeInFlight(
  call: () => Promise<unknown>,
  { warmup, total, inFlight }: { warmup: number; total: number; inFlight: number },
): Promise<InFlightTimes> {
  for (let i = 0; i < warmup; i++) await call();
  const times: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < total) {
        const t = performance.now();
        await call();
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    rate: total / seconds,
    cpuPerCall: (used.user + used.system) / total,
  };
}
