import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ensureNodeId } from "./node-id.ts";
import { resolveSettings } from "./resolve-settings.ts";
import { toAgentSettings } from "./settings.ts";

const root = mkdtempSync(`${tmpdir()}/node-id-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("--with-node-id", () => {
  test("a random 8-hex id, written once (0644, as K3s) and kept", () => {
    const file = `${root}/a/agent/node-id`;
    const id = ensureNodeId(file);
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(readFileSync(file, "utf8")).toBe(`${id}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(ensureNodeId(file)).toBe(id);
    expect(ensureNodeId(`${root}/b/agent/node-id`)).not.toBe(id);
  });
  test("a file holding something else is refused with one line", () => {
    const file = `${root}/bad-id`;
    writeFileSync(file, "not-an-id\n");
    expect(() => ensureNodeId(file)).toThrow(`--with-node-id: ${file} holds "not-an-id", not 8 lower-case hex digits; delete it for a new id`);
  });
  test("the node name becomes <node-name>-<id>, the same at every start; without the flag nothing is written", () => {
    writeFileSync(`${root}/empty.yaml`, "");
    const settings = (args: string[]) => toAgentSettings(resolveSettings("agent", ["--config", `${root}/empty.yaml`, "--data-dir", `${root}/dd`, ...args], {}));
    expect(settings(["--node-name", "worker"]).nodeName).toBe("worker");
    expect(() => readFileSync(`${root}/dd/agent/node-id`)).toThrow();
    const first = settings(["--node-name", "worker", "--with-node-id"]);
    expect(first.nodeName).toMatch(/^worker-[0-9a-f]{8}$/);
    expect(first.withNodeId).toBe(true);
    expect(settings(["--node-name", "worker", "--with-node-id"]).nodeName).toBe(first.nodeName);
    expect(first.nodeName).toBe(`worker-${readFileSync(`${root}/dd/agent/node-id`, "utf8").trim()}`);
  });
});
