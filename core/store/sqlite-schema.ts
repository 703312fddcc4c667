/**
 * Every SQL statement of the SQLite driver, in one place.
 *
 * One append-only log table, `kine`-shaped: the row id is the revision. A key's current state is
 * its row with the highest id; a deletion is a row with deleted = 1 whose value is the last value.
 * `lite_meta` holds the compact revision and how far compaction has actually swept.
 */
import type { Database, Statement } from "bun:sqlite";

export const SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS kine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    lease INTEGER NOT NULL,
    value BLOB,
    old_value BLOB
  )`,
  `CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id)`,
  `CREATE TABLE IF NOT EXISTS lite_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
];

/**
 * Pragmas applied on open. synchronous=NORMAL: a COMMIT writes the WAL without syncing it; the
 * store syncs the WAL itself before it acknowledges a write (sqlite.ts, wal-sync.ts). Note that
 * SQLite applies `PRAGMA synchronous` when the statement is PREPARED: never keep one prepared.
 */
export const PRAGMA_SQL = [
  "PRAGMA journal_mode = WAL",
  // Waits out the brief locks the checkpointer's connection takes (e.g. WAL-index recovery on open).
  "PRAGMA busy_timeout = 5000",
  "PRAGMA synchronous = NORMAL",
  "PRAGMA foreign_keys = OFF",
  "PRAGMA temp_store = MEMORY",
  "PRAGMA cache_size = -32000",
  // Checkpoints normally run on a worker thread (sqlite-checkpointer.ts); this is the backstop.
  "PRAGMA wal_autocheckpoint = 10000",
];

/** The connection's synchronous level as SQLite reports it (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA). */
export function synchronousLevel(db: Database): number {
  return (db.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
}

/** A row as SQLite returns it. */
export interface RowRecord {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  lease: number;
  value: string | null;
  old_value: string | null;
}

/** The latest row of a key, without values (for the in-memory CAS index). */
export interface HeadRecord {
  id: number;
  name: string;
  deleted: number;
  create_revision: number;
  lease: number;
}

const COLUMNS = "id, name, created, deleted, create_revision, prev_revision, lease, value, old_value";
/** True when row `a` is the newest row of its key as of revision ?rev. */
const NEWEST_AT = (rev: string): string => `a.id = (SELECT MAX(b.id) FROM kine AS b WHERE b.name = a.name AND b.id <= ${rev})`;

export interface Statements {
  begin: Statement;
  commit: Statement;
  rollback: Statement;
  insert: Statement<unknown, [number, string, number, number, number, number, number, string, string]>;
  valueById: Statement<{ value: string | null }, [number]>;
  getAt: Statement<RowRecord, [string, number]>;
  /** Live keys in [start, end) as of rev, in key order, at most limit (-1 = no limit). */
  listRange: Statement<RowRecord, [string, string, number, number]>;
  /** Same, without an upper bound. */
  listFrom: Statement<RowRecord, [string, number, number]>;
  countRange: Statement<{ n: number }, [string, string, number]>;
  countFrom: Statement<{ n: number }, [string, number]>;
  /** Rows with id in (after, upTo], in order. */
  rowsBetween: Statement<RowRecord, [number, number]>;
  heads: Statement<HeadRecord, []>;
  maxRevision: Statement<{ rev: number | null }, []>;
  /** For compaction: what each row in (after, upTo] supersedes. */
  sweepRange: Statement<{ id: number; name: string; deleted: number; prev_revision: number }, [number, number]>;
  deleteById: Statement<unknown, [number]>;
  getMeta: Statement<{ value: number }, [string]>;
  setMeta: Statement<unknown, [string, number]>;
  pageBytes: Statement<{ bytes: number }, []>;
}

export function prepareStatements(db: Database): Statements {
  return {
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
    insert: db.prepare(
      `INSERT INTO kine (${COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
    ),
    valueById: db.prepare("SELECT value FROM kine WHERE id = ?1"),
    getAt: db.prepare(`SELECT ${COLUMNS} FROM kine WHERE name = ?1 AND id <= ?2 ORDER BY id DESC LIMIT 1`),
    listRange: db.prepare(
      `SELECT ${COLUMNS} FROM kine AS a WHERE a.name >= ?1 AND a.name < ?2 AND ${NEWEST_AT("?3")} AND a.deleted = 0 ORDER BY a.name LIMIT ?4`,
    ),
    listFrom: db.prepare(
      `SELECT ${COLUMNS} FROM kine AS a WHERE a.name >= ?1 AND ${NEWEST_AT("?2")} AND a.deleted = 0 ORDER BY a.name LIMIT ?3`,
    ),
    countRange: db.prepare(
      `SELECT COUNT(*) AS n FROM kine AS a WHERE a.name >= ?1 AND a.name < ?2 AND ${NEWEST_AT("?3")} AND a.deleted = 0`,
    ),
    countFrom: db.prepare(`SELECT COUNT(*) AS n FROM kine AS a WHERE a.name >= ?1 AND ${NEWEST_AT("?2")} AND a.deleted = 0`),
    rowsBetween: db.prepare(`SELECT ${COLUMNS} FROM kine WHERE id > ?1 AND id <= ?2 ORDER BY id`),
    heads: db.prepare(
      "SELECT id, name, deleted, create_revision, lease FROM kine WHERE id IN (SELECT MAX(id) FROM kine GROUP BY name)",
    ),
    maxRevision: db.prepare(
      "SELECT MAX(COALESCE((SELECT MAX(id) FROM kine), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'kine'), 0)) AS rev",
    ),
    sweepRange: db.prepare("SELECT id, name, deleted, prev_revision FROM kine WHERE id > ?1 AND id <= ?2 ORDER BY id"),
    deleteById: db.prepare("DELETE FROM kine WHERE id = ?1"),
    getMeta: db.prepare("SELECT value FROM lite_meta WHERE key = ?1"),
    setMeta: db.prepare("INSERT INTO lite_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    pageBytes: db.prepare("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()"),
  };
}
