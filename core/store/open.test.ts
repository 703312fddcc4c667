import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openStore, sqlitePathFromUrl } from "./open.ts";

test("sqlite URL forms", () => {
  expect(sqlitePathFromUrl("sqlite://", "/var/lib/lite")).toBe("/var/lib/lite/server/db/state.db");
  expect(sqlitePathFromUrl("sqlite:///abs/x.db", "/d")).toBe("/abs/x.db");
  expect(sqlitePathFromUrl("sqlite:///abs/x.db?_journal=WAL", "/d")).toBe("/abs/x.db");
  expect(sqlitePathFromUrl("sqlite://rel/x.db", "/d")).toBe(resolve("rel/x.db"));
});

test("openStore picks the driver by scheme", async () => {
  const dir = await mkdtemp(join(tmpdir(), "lite-open-"));
  try {
    const s = await openStore("sqlite://", dir);
    await s.create("/k", "v");
    await s.close();
    expect(existsSync(join(dir, "server", "db", "state.db"))).toBe(true);
    const m = await openStore("memory://", dir);
    expect(m.dbSize()).toBe(0);
    await m.close();
    await expect(openStore("postgres://u@h/db", dir)).rejects.toThrow("postgres datastore is not implemented yet");
    await expect(openStore("mysql://u@h/db", dir)).rejects.toThrow(/"mysql:\/\/".*sqlite:\/\/, memory:\/\/, postgres:\/\//);
    await expect(openStore("/just/a/path", dir)).rejects.toThrow(/unsupported datastore endpoint/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
