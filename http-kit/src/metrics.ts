/**
 * Prometheus metrics through prom-client: one registry per service, with the process and Node
 * runtime metrics, `pea_build_info`, and whatever the service registers. Scraped from GET /metrics.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Latency buckets, in seconds: a decision takes about a millisecond; a stalled store up to seconds. */
export const latencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export interface BuildInfo {
  service: string;
  version: string;
}

/** What a counter or gauge is made of; `collect`, when given, runs at each scrape with the metric. */
type MetricArgs<L extends string, M> = [
  name: string,
  help: string,
  labelNames?: readonly L[],
  collect?: (metric: M) => void,
];

export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(build: BuildInfo) {
    collectDefaultMetrics({ register: this.registry });
    this.gauge("pea_build_info", "Always 1; the labels say what is running", ["service", "version", "node"]).set(
      { ...build, node: process.version },
      1,
    );
  }

  /**
   * A counter: `inc({ label: value })` for each event. `collect` (optional) instead copies a count
   * kept elsewhere at each scrape (`counter.reset(); counter.inc(labels, n)`).
   */
  counter<L extends string>(...args: MetricArgs<L, Counter<L>>): Counter<L> {
    return new Counter<L>(this.options(...args));
  }

  /** A gauge; `collect` (optional) sets its value(s) at each scrape. */
  gauge<L extends string>(...args: MetricArgs<L, Gauge<L>>): Gauge<L> {
    return new Gauge<L>(this.options(...args));
  }

  /** A metric's options in this registry; prom-client calls `collect` with the metric as `this`. */
  private options<L extends string, M>(...[name, help, labelNames = [], collect]: MetricArgs<L, M>) {
    return {
      name,
      help,
      labelNames,
      registers: [this.registry],
      ...(collect
        ? {
            collect: function (this: M) {
              collect(this);
            },
          }
        : {}),
    };
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: number[] = latencyBuckets,
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
