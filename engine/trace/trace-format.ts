import type { TraceEvent } from './tracer.js';

/** One JSON object per line, for tools. */
export function traceJsonLines(events: readonly TraceEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
}

/** A readable listing for a terminal: one line per mediator, indented as they nested, then what changed. */
export function traceText(events: readonly TraceEvent[]): string {
  const lines: string[] = [];
  for (const e of events) {
    const pad = '  '.repeat(e.depth);
    const result = e.result === 'continue' ? '' : e.result === 'stop' ? '  [flow ends]' : `  [error: ${e.error}]`;
    lines.push(`${String(e.step).padStart(3)} ${pad}${e.mediator}  ${e.location}  ${e.durationMs.toFixed(2)} ms${e.branch ? `  → ${e.branch}` : ''}${result}`);
    const detail = `    ${pad}`;
    for (const [k, v] of Object.entries(e.properties.set)) lines.push(`${detail}set ${k} = ${JSON.stringify(v)}`);
    for (const k of e.properties.removed) lines.push(`${detail}removed ${k}`);
    for (const [k, v] of Object.entries(e.headers.set)) lines.push(`${detail}header ${k}: ${v}`);
    for (const k of e.headers.removed) lines.push(`${detail}header removed ${k}`);
    if (e.payload) lines.push(`${detail}payload ${JSON.stringify(e.payload.before)} → ${JSON.stringify(e.payload.after)}`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}
