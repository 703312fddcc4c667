/**
 * The audit log file (`--audit-log-path`): one JSON event per line, appended. Writes are buffered
 * and flushed in the background (every 100 ms, or sooner past 256 KiB); a request never waits for
 * the disk. If the disk falls behind by more than `maxPendingBytes`, further events are dropped
 * and counted rather than held without bound.
 */
import { open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { mkdirSync } from "node:fs";

export interface AuditLogOptions {
  readonly path: string;
  /** Default 16 MiB. */
  readonly maxPendingBytes?: number;
  readonly flushIntervalMs?: number;
  /** Told once per burst of drops. */
  readonly onDrop?: (dropped: number) => void;
}

export interface AuditLog {
  write(event: object): void;
  /** Writes what is buffered now. */
  flush(): Promise<void>;
  /** Events dropped because the disk fell behind. */
  dropped(): number;
  /** Flushes and closes the file. Idempotent. */
  close(): Promise<void>;
}

const FLUSH_BYTES = 256 * 1024;

export async function openAuditLog(options: AuditLogOptions): Promise<AuditLog> {
  mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
  const fh: FileHandle = await open(options.path, "a", 0o600);
  const maxPending = options.maxPendingBytes ?? 16 * 1024 * 1024;
  let pending: string[] = [];
  let pendingBytes = 0;
  let dropped = 0;
  let writing: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  const drain = async (): Promise<void> => {
    while (pending.length) {
      const chunk = pending.join("");
      pending = [];
      pendingBytes = 0;
      await fh.write(chunk);
    }
  };
  const flush = (): Promise<void> => {
    writing ??= drain().finally(() => { writing = undefined; });
    return writing;
  };
  const timer = setInterval(() => { if (pending.length) void flush().catch(() => {}); }, options.flushIntervalMs ?? 100);
  timer.unref?.();

  return {
    write(event) {
      if (closed) return;
      const line = JSON.stringify(event) + "\n";
      if (pendingBytes + line.length > maxPending) {
        if (dropped++ === 0 || dropped % 1000 === 0) options.onDrop?.(dropped);
        return;
      }
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= FLUSH_BYTES) void flush().catch(() => {});
    },
    async flush() {
      await writing;
      await flush();
    },
    dropped: () => dropped,
    close: () => (closed ??= (async () => {
      clearInterval(timer);
      await writing?.catch(() => {});
      await drain().catch(() => {});
      await fh.close();
    })()),
  };
}
