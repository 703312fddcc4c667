/**
 * WAL checkpoints on a Worker thread.
 *
 * A checkpoint copies WAL pages into the database file and fsyncs it; run inside a COMMIT on the
 * main thread (SQLite's auto-checkpoint) it stalled the event loop for up to ~60 ms during
 * compaction. Here a second connection on its own thread runs PASSIVE checkpoints, which never
 * block writers, every `intervalMs`. The main connection keeps a high auto-checkpoint threshold
 * as a backstop in case this thread cannot keep up. Durability is unaffected: committed data is
 * in the fsynced WAL either way.
 *
 * The worker is inline source (a Blob URL) so it needs no separate entry point in a compiled binary.
 */

const WORKER_SOURCE = `
import { Database } from "bun:sqlite";
let db, timer;
self.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === "start") {
    db = new Database(msg.path, { readwrite: true, create: false });
    db.run("PRAGMA busy_timeout = 5000");
    db.run("PRAGMA synchronous = FULL");
    const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    timer = setInterval(() => {
      try { checkpoint.get(); } catch (err) { postMessage({ type: "error", message: String(err) }); }
    }, msg.intervalMs);
  } else if (msg.type === "stop") {
    clearInterval(timer);
    try { db?.close(); } catch {}
    postMessage({ type: "stopped" });
  }
};
`;

export interface Checkpointer {
  /** Stop checkpointing and close the worker's connection. Idempotent. */
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, intervalMs: number, onError: (message: string) => void): Checkpointer {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
  const worker = new Worker(url);
  worker.unref();
  const { promise: stopped, resolve } = Promise.withResolvers<void>();
  worker.onmessage = (e: MessageEvent<{ type: string; message?: string }>) => {
    if (e.data.type === "stopped") resolve();
    else if (e.data.type === "error") onError(e.data.message ?? "checkpoint failed");
  };
  worker.onerror = (e) => { onError(e.message); resolve(); };
  worker.postMessage({ type: "start", path, intervalMs });
  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        worker.postMessage({ type: "stop" });
        await Promise.race([stopped, Bun.sleep(2000)]);
        worker.terminate();
        URL.revokeObjectURL(url);
      })();
      return stopping;
    },
  };
}
