import { MediateError } from '../errors.js';

/** Where something is in a configuration file; line and column start at 1. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic extends SourceLocation {
  readonly severity: Severity;
  readonly message: string;
}

/** `file:line:col: message`, or `file:line:col: warning: message`: the form `mediate validate` prints. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  return d.severity === 'warning' ? `${where}: warning: ${d.message}` : `${where}: ${d.message}`;
}

/** Collects every problem of a load so that one run reports them all, not only the first. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];

  error(at: SourceLocation, message: string): void {
    this.items.push({ file: at.file, line: at.line, column: at.column, severity: 'error', message });
  }

  warn(at: SourceLocation, message: string): void {
    this.items.push({ file: at.file, line: at.line, column: at.column, severity: 'warning', message });
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'warning');
  }

  /** Throws a ConfigError holding every error so far (warnings included for context). */
  throwIfErrors(): void {
    if (this.errors.length > 0) throw new ConfigError(this.items);
  }
}

/** A configuration could not be loaded; `diagnostics` says every place and why. */
export class ConfigError extends MediateError {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(
      'MEDIATE_CONFIG_INVALID',
      diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n'),
    );
  }
}
