/**
 * Choose and open a datastore driver from a kine-style endpoint URL:
 *
 *   sqlite://                 <dataDir>/server/db/state.db (the default datastore)
 *   sqlite:///abs/path.db     an absolute path
 *   sqlite://rel/path.db      a path relative to the working directory (as kine)
 *   memory://                 an in-memory store (tests; nothing survives the process)
 *   postgres://, postgresql:// reserved; not implemented yet
 *
 * A `?query` after a sqlite path is ignored (kine passes driver options there; lite's SQLite
 * settings are fixed: WAL, every acknowledged write synced to disk first: see sqlite.ts).
 */
import { isAbsolute, join, resolve } from "node:path";
import { createMemoryStore } from "./memory.ts";
import { openSqliteStore } from "./sqlite.ts";
import type { SqliteStoreOptions } from "./sqlite.ts";
import type { Store } from "./types.ts";

export const ACCEPTED_SCHEMES = ["sqlite://", "memory://", "postgres://"] as const;

/** Where `sqlite://` with no path puts the database. */
export function defaultSqlitePath(dataDir: string): string {
  return join(dataDir, "server", "db", "state.db");
}

/** The file a sqlite:// URL names (see the module comment). */
export function sqlitePathFromUrl(url: string, dataDir: string): string {
  let rest = url.slice("sqlite://".length);
  const q = rest.indexOf("?");
  if (q >= 0) rest = rest.slice(0, q);
  if (rest === "") return defaultSqlitePath(dataDir);
  return isAbsolute(rest) ? rest : resolve(rest);
}

export async function openStore(url: string, dataDir: string, sqliteOptions?: SqliteStoreOptions): Promise<Store> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case "sqlite":
      return openSqliteStore(sqlitePathFromUrl(url, dataDir), sqliteOptions);
    case "memory":
      return createMemoryStore();
    case "postgres":
    case "postgresql":
      throw new Error("postgres datastore is not implemented yet");
    default:
      throw new Error(
        `unsupported datastore endpoint ${scheme ? `scheme "${scheme}://"` : `"${url}"`}; accepted: ${ACCEPTED_SCHEMES.join(", ")}`,
      );
  }
}
