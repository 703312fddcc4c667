/**
 * Reads a CRI container log file as `kubectl logs` shows it (upstream kuberuntime/logs
 * `ReadLogs`): the content of each record, optionally prefixed with its timestamp, from the last
 * `tailLines` lines, skipping records older than `sinceMs`, cut after `limitBytes`, and, when
 * following, waiting for new records until the container stops.
 *
 * Lines are logical lines: partial (`P`) records join the record that completes them, both for the
 * tail count and for the timestamp prefix (which only the first fragment of a line gets).
 * Malformed lines are skipped, as the kubelet does. Rotated files (`.log.<n>`, `.gz`) are not read;
 * a following reader moves on to the new file when the current one is rotated away.
 */
import { watch, type FSWatcher } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { endsLogicalLine, parseCriLogLine } from "./cri-log-format.ts";

export interface LogReadOptions {
  /** Only the last N logical lines (0: none of the existing ones). */
  readonly tailLines?: number;
  /** Skip records older than this time (ms since the epoch). */
  readonly sinceMs?: number;
  /** Prefix each line with its RFC3339Nano timestamp and a space. */
  readonly timestamps?: boolean;
  /** Stop after this many bytes of output (timestamps included). */
  readonly limitBytes?: number;
  /**
   * Follow the file: called at each end of file; reading goes on while it returns true (the
   * container runs) and ends, after a last read, once it returns false. Undefined: no follow.
   */
  readonly follow?: () => boolean;
  /** Ends the reading (the generator returns). */
  readonly signal?: AbortSignal;
  /** How often a follower re-checks the file and the container without a change event (ms, default 250). */
  readonly pollMs?: number;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;
const SPACE = new Uint8Array([0x20]);
const encoder = new TextEncoder();

/**
 * Yields the output in chunks (one per read of the file). Throws ENOENT if the file does not exist
 * when reading starts.
 */
export async function* readCriLog(path: string, opts: LogReadOptions = {}): AsyncGenerator<Uint8Array> {
  let fh: FileHandle = await open(path, "r");
  const changes = opts.follow ? watchChanges(path) : undefined;
  try {
    const opened = await fh.stat();
    let ino = opened.ino;
    // The tail is counted back from, and (without follow) the reading ends at, the size the file had
    // when the request came: lines written meanwhile (a busy container under a loaded node) are not
    // added to a `tailLines` answer.
    let pos = opts.tailLines === undefined ? 0 : await tailOffset(fh, opts.tailLines, opened.size);
    const end = opts.follow ? Number.POSITIVE_INFINITY : opened.size;
    let pending: Uint8Array = new Uint8Array(0);
    let atLineStart = true;
    let remain = opts.limitBytes ?? Number.POSITIVE_INFINITY;
    let stopping = !opts.follow;
    const buf = new Uint8Array(CHUNK);

    /** Renders complete raw lines; returns the output (cut at the byte limit). */
    const render = (lines: Uint8Array[]): Uint8Array => {
      const parts: Uint8Array[] = [];
      for (const line of lines) {
        const rec = parseCriLogLine(line);
        if (!rec) continue;
        const first = atLineStart;
        atLineStart = !rec.partial;
        if (opts.sinceMs !== undefined && rec.time < opts.sinceMs) continue;
        if (opts.timestamps && first) parts.push(encoder.encode(rec.timestamp), SPACE);
        parts.push(rec.content);
      }
      let out: Uint8Array = Buffer.concat(parts);
      if (out.length > remain) out = out.subarray(0, remain);
      remain -= out.length;
      return out;
    };

    for (;;) {
      if (opts.signal?.aborted) return;
      const { bytesRead } = pos < end ? await fh.read(buf, 0, Math.min(CHUNK, end - pos), pos) : { bytesRead: 0 };
      if (bytesRead > 0) {
        pos += bytesRead;
        const data = pending.length ? Buffer.concat([pending, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        const cut = data.lastIndexOf(NEWLINE) + 1;
        pending = Uint8Array.from(data.subarray(cut));
        const out = render(splitLines(data.subarray(0, cut)));
        if (out.length) yield out;
        if (remain <= 0) return;
        continue;
      }
      // End of file.
      if (stopping) {
        // As upstream: an incomplete last line is still shown when reading stops.
        if (pending.length) {
          const out = render([pending]);
          if (out.length) yield out;
        }
        return;
      }
      const now = await stat(path).catch(() => undefined);
      if (now && now.ino !== ino) {
        // Rotated: the old file is read to its end; continue with the new one from its start.
        if (pending.length) {
          const out = render([pending]);
          pending = new Uint8Array(0);
          if (out.length) yield out;
          if (remain <= 0) return;
        }
        await fh.close();
        fh = await open(path, "r");
        ino = (await fh.stat()).ino;
        pos = 0;
        changes?.rewatch();
        continue;
      }
      if (now && now.size < pos) {
        pos = 0; // truncated in place
        continue;
      }
      if (!opts.follow!()) {
        stopping = true; // one last read: the runtime may have written the final lines just now
        continue;
      }
      await changes!.next(opts.pollMs ?? 250, opts.signal);
    }
  } finally {
    changes?.close();
    await fh.close().catch(() => {});
  }
}

/** Splits bytes that end with a newline into lines, each with its newline. */
function splitLines(data: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = data.indexOf(NEWLINE); i >= 0; i = data.indexOf(NEWLINE, start)) {
    lines.push(data.subarray(start, i + 1));
    start = i + 1;
  }
  return lines;
}

/**
 * The offset where the last `n` logical lines of the first `size` bytes (default: the whole file)
 * start. Scans the file forward once (the runtime
 * rotates files at a few MiB, so this stays cheap) remembering the start of the last n lines.
 */
export async function tailOffset(fh: FileHandle, n: number, size?: number): Promise<number> {
  size ??= (await fh.stat()).size;
  if (n <= 0) return size;
  const starts: number[] = []; // ring of logical line starts, at most n
  let lineStart = 0; // start of the current raw line
  let logicalStart = true; // whether the current raw line starts a logical line
  let pending: Uint8Array = new Uint8Array(0);
  const buf = new Uint8Array(CHUNK);
  const note = (offset: number) => {
    starts.push(offset);
    if (starts.length > n) starts.shift();
  };
  for (let pos = 0; pos < size; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - pos), pos);
    if (bytesRead === 0) break;
    const data = pending.length ? Buffer.concat([pending, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
    const base = pos - pending.length;
    pos += bytesRead;
    let start = 0;
    for (let i = data.indexOf(NEWLINE); i >= 0; i = data.indexOf(NEWLINE, start)) {
      if (logicalStart) note(lineStart);
      logicalStart = endsLogicalLine(data.subarray(start, i + 1));
      start = i + 1;
      lineStart = base + start;
    }
    pending = Uint8Array.from(data.subarray(start));
  }
  if (pending.length && logicalStart) note(lineStart);
  return starts.length ? starts[0]! : size;
}

interface ChangeWatch {
  /** Resolves at the next change of the file, after `ms` at the latest, or when `signal` fires. */
  next(ms: number, signal?: AbortSignal): Promise<void>;
  /** Watches the file now at the path (after a rotation). */
  rewatch(): void;
  close(): void;
}

/** inotify on the file through fs.watch, with a timer as the fallback (and for state checks). */
function watchChanges(path: string): ChangeWatch {
  let watcher: FSWatcher | undefined;
  let wake: (() => void) | undefined;
  let changed = false;
  const arm = () => {
    watcher?.close();
    try {
      watcher = watch(path, () => {
        changed = true;
        wake?.();
      });
      watcher.on("error", () => {});
    } catch {
      watcher = undefined; // polling only
    }
  };
  arm();
  return {
    next(ms, signal) {
      if (changed) {
        changed = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          wake = undefined;
          changed = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, { once: true });
        wake = done;
      });
    },
    rewatch: arm,
    close() {
      watcher?.close();
      watcher = undefined;
      wake?.();
    },
  };
}
