import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { buildOciLayout, gzipLayer, hostPlatform, MEDIA_TYPES, sha256Digest, tagOf } from "./oci-layout.ts";
import { writeTar } from "./tar-writer.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-oci-test-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = new TextEncoder();

function sh(cmd: string[], cwd = dir): string {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

describe("buildOciLayout", () => {
  const layerTar = writeTar([{ type: "dir", name: "etc" }, { type: "file", name: "etc/motd", data: enc.encode("hello\n") }]);
  const layer = gzipLayer(layerTar);
  const images = [
    { name: "docker.io/library/one:latest", config: { Cmd: ["sh"], Env: ["PATH=/bin"] }, layers: [layer] },
    { name: "lite.local/two:3.10", config: { Entrypoint: ["/bin/sh", "-c", "sleep 1"] }, layers: [layer] },
  ];

  test("writes a valid layout: digests match content, shared layer stored once, names annotated", () => {
    const built = buildOciLayout(images, { architecture: "amd64", os: "linux" });
    writeFileSync(`${dir}/layout.tar`, built.tar);
    sh(["mkdir", "-p", "l"]);
    sh(["tar", "-xf", "../layout.tar"], `${dir}/l`);
    expect(JSON.parse(readFileSync(`${dir}/l/oci-layout`, "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    const blobs = sh(["tar", "-tf", "layout.tar"]).split("\n").filter((n) => n.startsWith("blobs/sha256/") && n.length > 13);
    expect(blobs.length).toBe(5); // 2 manifests + 2 configs + 1 shared layer
    for (const b of blobs) expect(sha256Digest(readFileSync(`${dir}/l/${b}`))).toBe(`sha256:${b.slice(13)}`);

    const index = JSON.parse(readFileSync(`${dir}/l/index.json`, "utf8"));
    expect(index.schemaVersion).toBe(2);
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations)).toEqual([
      { "io.containerd.image.name": "docker.io/library/one:latest", "org.opencontainers.image.ref.name": "latest" },
      { "io.containerd.image.name": "lite.local/two:3.10", "org.opencontainers.image.ref.name": "3.10" },
    ]);
    const blob = (digest: string) => readFileSync(`${dir}/l/blobs/sha256/${digest.slice(7)}`);
    const desc = index.manifests[1];
    expect(desc.platform).toEqual({ architecture: "amd64", os: "linux" });
    expect(blob(desc.digest).length).toBe(desc.size);
    const manifest = JSON.parse(blob(desc.digest).toString());
    expect(manifest.mediaType).toBe(MEDIA_TYPES.manifest);
    expect(manifest.layers).toEqual([{ mediaType: MEDIA_TYPES.layerGzip, digest: sha256Digest(layer.compressed), size: layer.compressed.length }]);
    const config = JSON.parse(blob(manifest.config.digest).toString());
    expect(manifest.config.digest).toBe(built.configDigests.get("lite.local/two:3.10")!);
    expect(config.config).toEqual({ Entrypoint: ["/bin/sh", "-c", "sleep 1"] });
    // diff_id is the digest of the uncompressed layer
    const unzipped = Bun.gunzipSync(blob(manifest.layers[0].digest));
    expect(config.rootfs).toEqual({ type: "layers", diff_ids: [sha256Digest(unzipped)] });
    expect(sha256Digest(unzipped)).toBe(sha256Digest(layerTar));
  });

  test("rebuilding gives identical bytes", () => {
    const a = buildOciLayout(images).tar;
    const b = buildOciLayout([{ ...images[0]!, layers: [gzipLayer(layerTar)] }, images[1]!]).tar;
    expect(sha256Digest(a)).toBe(sha256Digest(b));
  });
});

test("hostPlatform maps Node architectures to OCI ones", () => {
  expect(hostPlatform("x64")).toEqual({ architecture: "amd64", os: "linux" });
  expect(hostPlatform("arm64")).toEqual({ architecture: "arm64", os: "linux", variant: "v8" });
  expect(hostPlatform("arm")).toEqual({ architecture: "arm", os: "linux", variant: "v7" });
});

test("tagOf", () => {
  expect(tagOf("docker.io/library/busybox:latest")).toBe("latest");
  expect(tagOf("localhost:5000/app")).toBe("latest");
  expect(tagOf("localhost:5000/app:1.2@sha256:abc")).toBe("1.2");
});
