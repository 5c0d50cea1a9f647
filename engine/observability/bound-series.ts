import { register, type Metric, type Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

/** One histogram series: the count in each bucket (not cumulative), the sum and the count. */
class HistogramSeries {
  private readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const i = this.bounds.findIndex((bound) => value <= bound);
    if (i >= 0) this.counts[i]!++;
  }

  /** prom-client's JSON form of the series: cumulative buckets with `le`, then `_sum` and `_count`. */
  values(name: string): Array<{ metricName: string; labels: Record<string, string | number>; value: number }> {
    let cumulative = 0;
    const buckets = this.bounds.map((bound, i) => {
      cumulative += this.counts[i]!;
      return { metricName: `${name}_bucket`, labels: { le: bound, ...this.labels }, value: cumulative };
    });
    return [
      ...buckets,
      { metricName: `${name}_bucket`, labels: { le: '+Inf', ...this.labels }, value: this.count },
      { metricName: `${name}_sum`, labels: { ...this.labels }, value: this.sum },
      { metricName: `${name}_count`, labels: { ...this.labels }, value: this.count },
    ];
  }
}

/** One counter series. */
class CounterSeries {
  value = 0;

  constructor(readonly labels: Labels) {}

  inc(): void {
    this.value++;
  }
}

/**
 * A metric whose series are looked up once per label set and then updated with a plain increment: prom-client
 * hashes the label object on every observe() and inc(), even on a child from labels(), and that was a visible
 * share of a gateway's CPU (docs/performance.md). It registers in prom-client's default registry with
 * prom-client's JSON form, so the text format, the /metrics endpoint and the sum over cluster workers stay
 * prom-client's.
 */
abstract class BoundMetric<S extends { labels: Labels }> {
  readonly aggregator = 'sum';
  private readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values (in labelNames order), made on first use. */
  with(...values: string[]): S {
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = this.create(Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? ''])));
      this.series.set(key, s);
    }
    return s;
  }

  protected abstract create(labels: Labels): S;
  protected abstract exported(series: S): Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: unknown[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...this.series.values()].flatMap((s) => this.exported(s)) };
  }

  reset(): void {
    this.series.clear();
  }
}

export class BoundCounter extends BoundMetric<CounterSeries> {
  constructor(name: string, help: string, labelNames: readonly string[], registry: Registry = register) {
    super(name, help, 'counter', labelNames, registry);
  }

  protected create(labels: Labels): CounterSeries {
    return new CounterSeries(labels);
  }

  protected exported(series: CounterSeries) {
    return [{ labels: { ...series.labels }, value: series.value }];
  }
}

export class BoundHistogram extends BoundMetric<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry = register,
  ) {
    super(name, help, 'histogram', labelNames, registry);
  }

  protected create(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.bounds);
  }

  protected exported(series: HistogramSeries) {
    return series.values(this.name);
  }
}
