import type { Logger } from "@lite/sdk";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** Records below this level are dropped. */
  level?: LogLevel;
  /** Where lines go; defaults to stderr. */
  write?: (line: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * A logger writing one line per record: `time level message key=value ...` (values JSON-quoted when
 * they contain spaces). Human-readable first, grep-able second, like the K3s journal.
 */
export function createLogger(options: LoggerOptions = {}, fields: Record<string, unknown> = {}): Logger {
  const min = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, extra?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const all = { ...fields, ...extra };
    let line = `${now().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`;
    for (const [key, value] of Object.entries(all)) {
      if (value === undefined) continue;
      line += ` ${key}=${formatValue(value)}`;
    }
    write(line);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (extra) => createLogger(options, { ...fields, ...extra }),
  };
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === "string") return /^[\w.:/@-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
