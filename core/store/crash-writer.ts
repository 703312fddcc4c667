/**
 * Child process for crash.test.ts: `bun crash-writer.ts <db path> <key prefix>`.
 * Keeps 32 creates in flight against the SQLite store forever and prints each key on stdout
 * only after its create resolved (i.e. was acknowledged as durable). Meant to be killed with -9.
 */
import { openSqliteStore } from "./sqlite.ts";

const [path, prefix] = process.argv.slice(2);
if (!path || !prefix) throw new Error("usage: crash-writer.ts <db path> <key prefix>");
const store = await openSqliteStore(path, { compactor: false });
let next = 0;

async function worker(): Promise<void> {
  for (;;) {
    const key = `${prefix}${next++}`;
    await store.create(key, `value of ${key}`);
    process.stdout.write(`${key}\n`);
  }
}

process.stdout.write("ready\n");
await Promise.all(Array.from({ length: 32 }, () => worker()));
