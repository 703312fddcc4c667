/**
 * Container log rotation (upstream kubelet's ContainerLogManager): every 10 s, a running
 * container whose log file exceeds `maxSizeBytes` has it renamed to `<log>.<YYYYMMDD-hhmmss>` and
 * the runtime is asked to reopen the log (CRI ReopenContainerLog). At most `maxFiles` files per
 * container are kept, the current one included: the oldest rotated files are deleted, and every
 * rotated file but the newest is gzip-compressed (the newest may still take the runtime's last
 * writes until it reopens). `kubectl logs` reads the current file, as upstream.
 *
 * Defaults are upstream's: containerLogMaxSize 10Mi, containerLogMaxFiles 5.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Logger } from "@lite/sdk";
import type { CriClient } from "../../cri/types.ts";

export const DEFAULT_LOG_MAX_SIZE = 10 * 1024 * 1024;
export const DEFAULT_LOG_MAX_FILES = 5;
const ROTATE_INTERVAL_MS = 10_000;
const ROTATED_SUFFIX = /^\.\d{8}-\d{6}(\.gz)?$/;

export interface LogRotationOptions {
  cri: Pick<CriClient, "listContainers" | "containerStatus" | "reopenContainerLog">;
  log: Logger;
  maxSizeBytes?: number;
  /** Files kept per container, the current one included (at least 2, as upstream). */
  maxFiles?: number;
  now?: () => Date;
}

export interface LogRotation {
  /** One pass over the running containers (the timer calls it; tests call it directly). */
  rotateOnce(): Promise<void>;
  stop(): void;
}

export function startLogRotation(o: LogRotationOptions, intervalMs = ROTATE_INTERVAL_MS): LogRotation {
  const maxSize = o.maxSizeBytes ?? DEFAULT_LOG_MAX_SIZE;
  const maxFiles = Math.max(2, o.maxFiles ?? DEFAULT_LOG_MAX_FILES);
  const now = o.now ?? (() => new Date());
  let running: Promise<void> | undefined;

  const rotateOnce = async () => {
    const containers = await o.cri.listContainers({ state: { state: "CONTAINER_RUNNING" } });
    for (const c of containers) {
      let logPath: string | undefined;
      try {
        logPath = (await o.cri.containerStatus(c.id)).logPath;
        if (!logPath || !existsSync(logPath)) continue;
        tidyRotated(logPath, maxFiles - 1);
        if (statSync(logPath).size <= maxSize) continue;
        // Room for the file about to be rotated: keep maxFiles - 2 older ones.
        tidyRotated(logPath, maxFiles - 2);
        const rotated = `${logPath}.${stamp(now())}`;
        if (existsSync(rotated)) continue; // rotated this very second already: next pass
        renameSync(logPath, rotated);
        try {
          await o.cri.reopenContainerLog(c.id);
        } catch (err) {
          // The runtime still writes the renamed file: put it back, so no line is lost.
          if (!existsSync(logPath)) renameSync(rotated, logPath);
          throw err;
        }
      } catch (err) {
        o.log.warn("container log rotation failed", { container: c.id, logPath, error: err instanceof Error ? err.message : String(err) });
      }
    }
  };

  const timer = setInterval(() => {
    if (running) return;
    running = rotateOnce().catch((err) => o.log.debug("log rotation pass failed", { error: String(err) })).finally(() => { running = undefined; });
  }, intervalMs);
  timer.unref?.();
  return { rotateOnce, stop: () => clearInterval(timer) };
}

/** Rotated files of `logPath`, oldest first. */
export function rotatedFiles(logPath: string): string[] {
  const dir = dirname(logPath);
  const base = basename(logPath);
  return readdirSync(dir)
    .filter((f) => f.startsWith(base) && ROTATED_SUFFIX.test(f.slice(base.length)))
    .sort()
    .map((f) => join(dir, f));
}

/** Deletes the oldest rotated files beyond `keep`, and compresses all but the newest that remain. */
function tidyRotated(logPath: string, keep: number): void {
  const files = rotatedFiles(logPath);
  const excess = Math.max(0, files.length - keep);
  for (const f of files.slice(0, excess)) rmSync(f, { force: true });
  const kept = files.slice(excess);
  for (const f of kept.slice(0, -1)) {
    if (f.endsWith(".gz")) continue;
    writeFileSync(`${f}.gz`, gzipSync(readFileSync(f)));
    rmSync(f, { force: true });
  }
}

/** YYYYMMDD-hhmmss in UTC (upstream's timestampFormat "20060102-150405"). */
function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}
