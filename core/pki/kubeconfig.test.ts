import { afterEach, expect, test } from "bun:test";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderKubeconfig, writeKubeconfig } from "./kubeconfig.ts";

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test("renders embedded base64 credentials like K3s", () => {
  const yaml = renderKubeconfig({ server: "https://127.0.0.1:6443", caPem: "CA\n", certPem: "CERT\n", keyPem: "KEY\n" });
  const doc = Bun.YAML.parse(yaml) as any;
  expect(doc.kind).toBe("Config");
  expect(doc["current-context"]).toBe("default");
  expect(doc.clusters[0]).toEqual({ name: "default", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": btoa("CA\n") } });
  expect(doc.contexts[0]).toEqual({ name: "default", context: { cluster: "default", user: "default" } });
  expect(doc.users[0].user["client-certificate-data"]).toBe(btoa("CERT\n"));
  expect(doc.users[0].user["client-key-data"]).toBe(btoa("KEY\n"));
});

test("writes with the given mode, creating parents", async () => {
  root = await mkdtemp(join(tmpdir(), "lite-kcfg-"));
  const path = join(root, "etc", "rancher", "lite", "lite.yaml");
  await writeKubeconfig(path, "apiVersion: v1\n");
  expect((await stat(path)).mode & 0o777).toBe(0o600);
  await writeKubeconfig(path, "apiVersion: v1\n", 0o644);
  expect((await stat(path)).mode & 0o777).toBe(0o644);
  expect(await Bun.file(path).text()).toBe("apiVersion: v1\n");
});
