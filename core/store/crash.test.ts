/**
 * Durability under kill -9: a child process hammers concurrent creates and prints every
 * acknowledged key; we kill it at a random moment, reopen the database and require every
 * acknowledged key to be there. Repeated on the same database.
 */
import { expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "./sqlite.ts";

const ROUNDS = 5;

/** Read the child's stdout until killed; resolves with the text once "ready" was seen via onReady. */
async function readAll(stream: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    onText(text);
  }
  return text + decoder.decode();
}

test("sqlite: every acknowledged write survives kill -9", async () => {
  const dir = await mkdtemp(join(tmpdir(), "lite-crash-"));
  const path = join(dir, "server", "db", "state.db");
  const acknowledged: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const child = Bun.spawn([process.execPath, join(import.meta.dir, "crash-writer.ts"), path, `/crash/${round}/`], {
        stdout: "pipe",
        stderr: "inherit",
      });
      const { promise: ready, resolve } = Promise.withResolvers<void>();
      // Killed at a random moment after the first acknowledged write (on a loaded machine the first
      // acknowledgement can take longer than the random delay itself).
      const output = readAll(child.stdout, (t) => { if (t.startsWith("ready\n") && t.includes("\n/crash/")) resolve(); });
      await Promise.race([ready, child.exited]);
      await Bun.sleep(50 + Math.random() * 400);
      child.kill(9);
      await child.exited;
      expect(child.signalCode).toBe("SIGKILL");
      const lines = (await output).split("\n");
      lines.pop(); // a possibly partial last line
      const keys = lines.filter((l) => l.startsWith("/crash/"));
      expect(keys.length).toBeGreaterThan(0);
      acknowledged.push(...keys);
      if (process.env.CRASH_DEBUG) console.log(`round ${round}: ${keys.length} acknowledged`);

      const store = await openSqliteStore(path, { compactor: false });
      try {
        const present = new Set((await store.list("/crash/")).kvs.map((kv) => kv.key));
        const missing = acknowledged.filter((k) => !present.has(k));
        expect(missing).toEqual([]);
        expect(store.currentRevision()).toBeGreaterThanOrEqual(acknowledged.length);
        // The reopened store accepts writes at a fresh revision.
        const kv = await store.create(`/after/${round}`, "x");
        expect(kv.modRevision).toBe(store.currentRevision());
      } finally {
        await store.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 30_000);
