/** The manifest directory's files and the objects of a file (auto-deploying manifests). */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { manifestFiles, manifestObjects } from "./manifest-deployer.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-manifests-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("manifest files: yaml, yml and json, subdirectories included, sorted; dotfiles, other files and .skip twins left out", () => {
  mkdirSync(`${dir}/sub`);
  mkdirSync(`${dir}/.git`);
  for (const f of ["b.yaml", "a.yml", "c.json", "sub/d.yaml", "notes.txt", ".hidden.yaml", ".git/x.yaml", "e.yaml", "e.yaml.skip"]) writeFileSync(`${dir}/${f}`, "");
  expect(manifestFiles(dir)).toEqual([`${dir}/a.yml`, `${dir}/b.yaml`, `${dir}/c.json`, `${dir}/sub/d.yaml`]);
});

test("manifest objects: documents in order, Lists flattened, empty documents dropped; bad input is one clear error", () => {
  const yaml = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n# nothing\n---\napiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n";
  expect(manifestObjects("x.yaml", yaml).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Namespace/a", "ConfigMap/b"]);
  expect(manifestObjects("x.json", JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } })).map((o) => o.kind)).toEqual(["Secret"]);
  expect(() => manifestObjects("x.yaml", "kind: ConfigMap\nmetadata:\n  name: n\n")).toThrow("document 1: apiVersion and kind are required");
  expect(() => manifestObjects("x.yaml", "apiVersion: v1\nkind: ConfigMap\n")).toThrow("document 1: ConfigMap has no metadata.name");
  expect(() => manifestObjects("x.json", "{nope")).toThrow(/^cannot parse: /);
  expect(() => manifestObjects("x.yaml", "- 1\n- 2\n")).toThrow("document 1: not an object");
});

test("Addon records: the name is the file name up to its first period; the kinds annotation is K3s' GVK strings, distinct, in order", async () => {
  const { addonName, gvkAnnotation, sha256Hex } = await import("./addon-records.ts");
  expect(addonName("/var/lib/lite/server/manifests/sub/traefik.v2.yaml")).toBe("traefik");
  expect(addonName("/m/ccm.yaml")).toBe("ccm");
  const objs = [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "a" } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "b" } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "c" } },
  ];
  expect(gvkAnnotation(objs)).toBe("/v1, Kind=ServiceAccount;apps/v1, Kind=Deployment");
  expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});
