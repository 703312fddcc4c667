import { writeTar, type TarEntry } from "./tar-writer.ts";

/**
 * Builds OCI image-layout archives (image-spec v1.0 `oci-layout` + `index.json` + `blobs/`)
 * in memory. Each image descriptor in index.json carries its full name in
 * `io.containerd.image.name` (containerd's import names the image from it) and its tag in
 * `org.opencontainers.image.ref.name`. Blobs shared by several images are stored once.
 */
export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

/** A gzip-compressed layer and the digest of its uncompressed tar (the config's diff_id). */
export interface Layer { readonly compressed: Uint8Array; readonly diffId: string }

export interface Platform { readonly architecture: string; readonly os: string; readonly variant?: string }

/** The runtime part of an image config (OCI `config` object; Docker-compatible keys). */
export interface ImageRuntimeConfig {
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly WorkingDir?: string;
  readonly User?: string;
}

export interface LayoutImage {
  /** Full reference, e.g. docker.io/library/busybox:latest. */
  readonly name: string;
  readonly config: ImageRuntimeConfig;
  readonly layers: readonly Layer[];
}

export interface Descriptor { readonly mediaType: string; readonly digest: string; readonly size: number; readonly platform?: Platform; readonly annotations?: Record<string, string> }

/** `sha256:<hex>` of some bytes. */
export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
}

/** Gzips an uncompressed layer tar deterministically (no name, mtime 0 in the gzip header). */
export function gzipLayer(tar: Uint8Array): Layer {
  return { compressed: Bun.gzipSync(tar as Uint8Array<ArrayBuffer>, { level: 6 }), diffId: sha256Digest(tar) };
}

/** The OCI platform of this machine (Node's arch names mapped to Go's). */
export function hostPlatform(arch: string = process.arch): Platform {
  switch (arch) {
    case "x64": return { architecture: "amd64", os: "linux" };
    case "arm64": return { architecture: "arm64", os: "linux", variant: "v8" };
    case "arm": return { architecture: "arm", os: "linux", variant: "v7" };
    case "ia32": return { architecture: "386", os: "linux" };
    case "ppc64": return { architecture: "ppc64le", os: "linux" };
    default: return { architecture: arch, os: "linux" };
  }
}

/** Epoch used for every timestamp so rebuilt layouts are byte-identical. */
const CREATED = "1970-01-01T00:00:00Z";

export interface BuiltLayout {
  /** The layout as an uncompressed tar. */
  readonly tar: Uint8Array;
  /** name -> manifest descriptor, in input order. */
  readonly manifests: ReadonlyMap<string, Descriptor>;
  /** name -> config digest (the image ID containerd and the CRI report). */
  readonly configDigests: ReadonlyMap<string, string>;
}

export function buildOciLayout(images: readonly LayoutImage[], platform: Platform = hostPlatform()): BuiltLayout {
  const blobs = new Map<string, Uint8Array>();
  const put = (mediaType: string, bytes: Uint8Array): Descriptor => {
    const digest = sha256Digest(bytes);
    blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const enc = new TextEncoder();
  const manifests = new Map<string, Descriptor>();
  const configDigests = new Map<string, string>();
  for (const image of images) {
    const config = {
      created: CREATED,
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: platform.os,
      config: image.config,
      rootfs: { type: "layers", diff_ids: image.layers.map((l) => l.diffId) },
      history: image.layers.map(() => ({ created: CREATED, created_by: "lite (built-in image)" })),
    };
    const configDesc = put(MEDIA_TYPES.config, enc.encode(JSON.stringify(config)));
    const layerDescs = image.layers.map((l) => put(MEDIA_TYPES.layerGzip, l.compressed));
    const manifest = { schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config: configDesc, layers: layerDescs };
    const manifestDesc = put(MEDIA_TYPES.manifest, enc.encode(JSON.stringify(manifest)));
    manifests.set(image.name, {
      ...manifestDesc,
      platform,
      annotations: { "io.containerd.image.name": image.name, "org.opencontainers.image.ref.name": tagOf(image.name) },
    });
    configDigests.set(image.name, configDesc.digest);
  }
  const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [...manifests.values()] };
  const entries: TarEntry[] = [
    { type: "file", name: "oci-layout", data: enc.encode(JSON.stringify({ imageLayoutVersion: "1.0.0" })) },
    { type: "file", name: "index.json", data: enc.encode(JSON.stringify(index)) },
    { type: "dir", name: "blobs" },
    { type: "dir", name: "blobs/sha256" },
    ...[...blobs].sort(([a], [b]) => a.localeCompare(b)).map(([digest, data]): TarEntry => ({ type: "file", name: `blobs/sha256/${digest.slice(7)}`, data })),
  ];
  return { tar: writeTar(entries), manifests, configDigests };
}

/** The tag of a reference (after the last ':' of its last path component), "latest" when absent. */
export function tagOf(name: string): string {
  const last = name.slice(name.lastIndexOf("/") + 1);
  const at = last.indexOf("@");
  const colon = (at >= 0 ? last.slice(0, at) : last).lastIndexOf(":");
  return colon >= 0 ? (at >= 0 ? last.slice(colon + 1, at) : last.slice(colon + 1)) : "latest";
}
