/** Structured logger handed to plugins. Fields are merged into the record; never throws. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose records carry `fields` in addition to this one's. */
  child(fields: Record<string, unknown>): Logger;
}
