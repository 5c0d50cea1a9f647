import { describe, expect, it } from 'vitest';
import { javaDoubleToString } from '../../../engine/expression/java-number.js';

describe("javaDoubleToString: Java's Double.toString (reference §3.2.2)", () => {
  it.each([
    [1500, '1500.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [-3, '-3.0'],
    [0.5, '0.5'],
    [-1.25, '-1.25'],
    [0.001, '0.001'],
    [0.0001, '1.0E-4'],
    [0.00012, '1.2E-4'],
    [9999999, '9999999.0'],
    [10_000_000, '1.0E7'],
    [123456789, '1.23456789E8'],
    [1.7e12, '1.7E12'],
    [1_700_000_000_123, '1.700000000123E12'],
    [-2.5e-7, '-2.5E-7'],
    [1e21, '1.0E21'],
    [1.7976931348623157e308, '1.7976931348623157E308'],
    [1 / 3, '0.3333333333333333'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('%s prints as %s', (value, text) => {
    expect(javaDoubleToString(value)).toBe(text);
  });
});
