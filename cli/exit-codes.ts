/** The exit codes of design.md §4: a contract that scripts and CI rely on. */
export const EXIT = {
  /** The message continued, was responded to or dropped; or the files are valid. */
  OK: 0,
  /** Mediate itself failed. */
  INTERNAL: 1,
  /** The input was invalid: a configuration error (printed as file:line:col: message) or a bad option. */
  INVALID_INPUT: 2,
  /** The message ended in a fault. */
  FAULT: 3,
} as const;
