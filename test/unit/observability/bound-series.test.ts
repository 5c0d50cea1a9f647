import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { BoundCounter, BoundHistogram } from '../../../engine/observability/bound-series.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];
const OBSERVED: Array<[string, number]> = [
  ['A', 0.0005],
  ['A', 0.001],
  ['A', 0.05],
  ['B', 2.5],
  ['A', 0.7],
  ['B', 0.002],
];

/** The same observations through prom-client's own metrics and through the bound ones, each in its registry. */
function both(): { own: Registry; bound: Registry } {
  const own = new Registry();
  const bound = new Registry();
  const histogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['api'], buckets: BOUNDS, registers: [own] });
  const counter = new Counter({ name: 'c_total', help: 'c', labelNames: ['api', 'status'], registers: [own] });
  const boundHistogram = new BoundHistogram('h_seconds', 'h', ['api'], BOUNDS, bound);
  const boundCounter = new BoundCounter('c_total', 'c', ['api', 'status'], bound);
  for (const [api, value] of OBSERVED) {
    histogram.observe({ api }, value);
    boundHistogram.with(api).observe(value);
    counter.inc({ api, status: value > 1 ? '500' : '200' });
    boundCounter.with(api, value > 1 ? '500' : '200').inc();
  }
  return { own, bound };
}

describe('bound metric series', () => {
  test('print exactly as prom-client prints the same observations', async () => {
    const { own, bound } = both();
    const text = await bound.metrics();
    expect(text).toBe(await own.metrics());
    expect(text).toContain('h_seconds_bucket{le="0.001",api="A"} 2');
    expect(text).toContain('h_seconds_bucket{le="+Inf",api="B"} 2');
    expect(text).toContain('c_total{api="A",status="200"} 4');
  });

  test('add up over cluster workers as prom-client’s do', async () => {
    const { own, bound } = both();
    const fromOwn = AggregatorRegistry.aggregate([await own.getMetricsAsJSON(), await own.getMetricsAsJSON()] as never);
    const fromBound = AggregatorRegistry.aggregate([await bound.getMetricsAsJSON(), await bound.getMetricsAsJSON()] as never);
    const text = await fromBound.metrics();
    expect(text).toBe(await fromOwn.metrics());
    expect(text).toContain('h_seconds_count{api="A"} 8');
  });

  test('a series is made once per label set and kept', () => {
    const counter = new BoundCounter('once_total', 'o', ['api'], new Registry());
    expect(counter.with('A')).toBe(counter.with('A'));
    expect(counter.with('A')).not.toBe(counter.with('B'));
  });
});
