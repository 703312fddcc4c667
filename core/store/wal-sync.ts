/**
 * Makes a SQLite database's committed WAL frames durable: fdatasync(2) of its `-wal` file.
 *
 * The store's write connection runs at synchronous=NORMAL, so a COMMIT writes its frames to the WAL
 * without syncing it; the store acknowledges a write only after a sync that BEGAN after that
 * COMMIT returned has completed (sqlite.ts). fdatasync flushes every dirty page of the file,
 * whichever descriptor wrote it, so one sync covers every commit before it.
 *
 * The descriptor stays valid for the store's lifetime: SQLite truncates or rewrites the WAL in
 * place while any connection is open and deletes it only when the last connection closes.
 */
import { closeSync, constants, fdatasync, fdatasyncSync, openSync } from "node:fs";

export interface WalSync {
  /** Syncs on the calling thread (for an isolated commit: no thread hand-off, no extra wake-up). */
  syncNow(): void;
  /** Syncs on the runtime's thread pool; `done` runs on this thread afterwards. */
  sync(done: (err: Error | null) => void): void;
  close(): void;
}

/** Opens (creating if needed, 0600) `<database>-wal` for syncing. */
export function openWalSync(databasePath: string): WalSync {
  const fd = openSync(`${databasePath}-wal`, constants.O_RDWR | constants.O_CREAT, 0o600);
  let closed = false;
  return {
    syncNow: () => fdatasyncSync(fd),
    sync: (done) => fdatasync(fd, (err) => done(err ?? null)),
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
