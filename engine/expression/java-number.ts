/**
 * Java's `Double.toString`, which is how Synapse prints every XPath number (reference §3.2.2): integral values
 * keep a `.0`, and magnitudes outside [10^-3, 10^7) use computerised scientific notation (`1.7E12`).
 */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(d);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = d.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}
