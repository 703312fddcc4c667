import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Logger } from "@lite/sdk";
import { DEFAULT_BUSYBOX, ensureBuiltinLayout } from "../images/builtin-images.ts";
import { MEDIA_TYPES, sha256Digest } from "../images/oci-layout.ts";
import { writeTar } from "../images/tar-writer.ts";
import { agentPaths } from "../paths.ts";
import { startBuiltinRegistry, type BuiltinRegistry } from "./registry-server.ts";

const tmp = mkdtempSync("/tmp/lite-registry-");
const log: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };
const registries: BuiltinRegistry[] = [];
afterAll(async () => {
  for (const r of registries) await r.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const sha = async (res: Response) => sha256Digest(new Uint8Array(await res.arrayBuffer()));
const tarEntry = (file: string, name: string) => new Uint8Array(Bun.spawnSync(["tar", "-xOf", file, name]).stdout);

describe.skipIf(!existsSync(DEFAULT_BUSYBOX))("lite's built-in layout", () => {
  let base = "";
  let file = "";
  let index: { manifests: { digest: string; size: number; mediaType: string; annotations: Record<string, string> }[] };
  beforeAll(async () => {
    file = ensureBuiltinLayout(agentPaths(tmp)).file;
    const registry = await startBuiltinRegistry({ layoutTar: file, log });
    registries.push(registry);
    base = `http://127.0.0.1:${registry.port}`;
    expect(registry.repositories()).toEqual(["docker.io/library/busybox", "lite.local/pause"]);
    index = JSON.parse(new TextDecoder().decode(tarEntry(file, "index.json"))); // read by GNU tar, not by our reader
  });
  const busybox = () => index.manifests.find((m) => m.annotations["io.containerd.image.name"] === "docker.io/library/busybox:latest")!;

  test("/v2/ answers as a registry", async () => {
    for (const method of ["GET", "HEAD"]) {
      const res = await fetch(`${base}/v2/`, { method });
      expect(res.status).toBe(200);
      expect(res.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    }
  });

  test("manifests by tag (HEAD then GET) and by digest, as containerd asks through a mirror", async () => {
    const want = busybox();
    const head = await fetch(`${base}/v2/library/busybox/manifests/latest?ns=docker.io`, { method: "HEAD", headers: { Accept: `${MEDIA_TYPES.manifest}, ${MEDIA_TYPES.index}` } });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe(MEDIA_TYPES.manifest);
    expect(head.headers.get("docker-content-digest")).toBe(want.digest);
    expect(Number(head.headers.get("content-length"))).toBe(want.size);
    expect(head.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    for (const ref of ["latest", want.digest]) {
      const get = await fetch(`${base}/v2/library/busybox/manifests/${ref}?ns=docker.io`);
      expect(get.status).toBe(200);
      expect(get.headers.get("docker-content-digest")).toBe(want.digest);
      expect(Number(get.headers.get("content-length"))).toBe(want.size);
      expect(await sha(get)).toBe(want.digest);
    }
    // Without ns the name is the full repository (a direct pull of 127.0.0.1:PORT/docker.io/library/busybox).
    const direct = await fetch(`${base}/v2/docker.io/library/busybox/manifests/latest`);
    expect(await sha(direct)).toBe(want.digest);
    const pause = index.manifests.find((m) => m.annotations["io.containerd.image.name"] === "lite.local/pause:3.10")!;
    const p = await fetch(`${base}/v2/pause/manifests/3.10?ns=lite.local`);
    expect(p.headers.get("docker-content-digest")).toBe(pause.digest);
    expect(await sha(p)).toBe(pause.digest);
  });

  test("blobs: HEAD and GET match the sha256 of their bytes; ranges", async () => {
    const manifest = JSON.parse(new TextDecoder().decode(tarEntry(file, `blobs/sha256/${busybox().digest.slice(7)}`)));
    for (const d of [manifest.config, ...manifest.layers] as { digest: string; size: number }[]) {
      const url = `${base}/v2/library/busybox/blobs/${d.digest}?ns=docker.io`;
      const head = await fetch(url, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(Number(head.headers.get("content-length"))).toBe(d.size);
      expect(head.headers.get("docker-content-digest")).toBe(d.digest);
      const get = await fetch(url);
      expect(await sha(get)).toBe(d.digest);
    }
    const layer = manifest.layers[0] as { digest: string; size: number };
    const whole = tarEntry(file, `blobs/sha256/${layer.digest.slice(7)}`);
    const part = await fetch(`${base}/v2/library/busybox/blobs/${layer.digest}?ns=docker.io`, { headers: { Range: "bytes=100-" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-${layer.size - 1}/${layer.size}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(whole.subarray(100));
    const bad = await fetch(`${base}/v2/library/busybox/blobs/${layer.digest}?ns=docker.io`, { headers: { Range: `bytes=${layer.size}-` } });
    expect(bad.status).toBe(416);
  });

  test("anything else is a 404 with an OCI error body (so containerd tries the next endpoint), writes are 405", async () => {
    const cases: [string, string][] = [
      ["/v2/library/busybox/manifests/latest?ns=quay.io", "NAME_UNKNOWN"], // same name, other registry
      ["/v2/library/busybox/manifests/latest?ns=lite.local", "NAME_UNKNOWN"],
      ["/v2/library/nosuch/manifests/1?ns=docker.io", "NAME_UNKNOWN"],
      ["/v2/library/busybox/manifests/1.36?ns=docker.io", "MANIFEST_UNKNOWN"],
      [`/v2/library/busybox/manifests/${sha256Digest("nope")}?ns=docker.io`, "MANIFEST_UNKNOWN"],
      [`/v2/library/busybox/blobs/${sha256Digest("nope")}?ns=docker.io`, "BLOB_UNKNOWN"],
      ["/v2/library/busybox/manifests/latest", "NAME_UNKNOWN"], // no ns: "library/busybox" is not a full name
    ];
    for (const [path, code] of cases) {
      const res = await fetch(`${base}${path}`);
      expect(`${path} ${res.status}`).toBe(`${path} 404`);
      expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe(code);
      expect((await fetch(`${base}${path}`, { method: "HEAD" })).status).toBe(404);
    }
    const put = await fetch(`${base}/v2/library/busybox/manifests/latest?ns=docker.io`, { method: "PUT", body: "{}" });
    expect(put.status).toBe(405);
  });
});

test("image indexes are followed; ref.name full references name images; bare tags do not", async () => {
  const enc = new TextEncoder();
  const blob = (s: string) => ({ bytes: enc.encode(s), digest: sha256Digest(s), size: enc.encode(s).length });
  const config = blob(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
  const manifest = blob(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config: { mediaType: MEDIA_TYPES.config, digest: config.digest, size: config.size }, layers: [] }));
  const idx = blob(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [{ mediaType: MEDIA_TYPES.manifest, digest: manifest.digest, size: manifest.size, platform: { architecture: "amd64", os: "linux" } }] }));
  const layoutIndex = { schemaVersion: 2, manifests: [
    { mediaType: MEDIA_TYPES.index, digest: idx.digest, size: idx.size, annotations: { "org.opencontainers.image.ref.name": "registry.example:5000/team/app:v1" } },
    { mediaType: MEDIA_TYPES.manifest, digest: manifest.digest, size: manifest.size, annotations: { "org.opencontainers.image.ref.name": "v2" } },
  ] };
  const file = `${tmp}/index-layout.tar`;
  writeFileSync(file, writeTar([
    { type: "file", name: "oci-layout", data: enc.encode('{"imageLayoutVersion":"1.0.0"}') },
    { type: "file", name: "index.json", data: enc.encode(JSON.stringify(layoutIndex)) },
    ...[config, manifest, idx].map((b) => ({ type: "file" as const, name: `blobs/sha256/${b.digest.slice(7)}`, data: b.bytes })),
  ]));
  const registry = await startBuiltinRegistry({ layoutTar: file, log });
  registries.push(registry);
  const base = `http://127.0.0.1:${registry.port}/v2/team/app`;
  expect(registry.repositories()).toEqual(["registry.example:5000/team/app"]);
  const byTag = await fetch(`${base}/manifests/v1?ns=registry.example:5000`);
  expect(byTag.headers.get("content-type")).toBe(MEDIA_TYPES.index);
  expect(await sha(byTag)).toBe(idx.digest);
  const child = await fetch(`${base}/manifests/${manifest.digest}?ns=registry.example:5000`);
  expect(child.headers.get("content-type")).toBe(MEDIA_TYPES.manifest);
  expect(await sha(child)).toBe(manifest.digest);
  expect(await sha(await fetch(`${base}/blobs/${config.digest}?ns=registry.example:5000`))).toBe(config.digest);
  expect((await fetch(`${base}/manifests/v2?ns=registry.example:5000`)).status).toBe(404);
});

test("a layout whose blob does not match its digest is refused", async () => {
  const enc = new TextEncoder();
  const file = `${tmp}/bad-layout.tar`;
  writeFileSync(file, writeTar([
    { type: "file", name: "index.json", data: enc.encode('{"schemaVersion":2,"manifests":[]}') },
    { type: "file", name: `blobs/sha256/${sha256Digest("a").slice(7)}`, data: enc.encode("b") },
  ]));
  await expect(startBuiltinRegistry({ layoutTar: file, log })).rejects.toThrow(/has digest/);
});
