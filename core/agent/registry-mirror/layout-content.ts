import { readTarFiles } from "./tar-reader.ts";

/**
 * What a read-only registry serves, read from an OCI image-layout tar (image-spec v1
 * `index.json` + `blobs/<alg>/<hex>`).
 *
 * Each descriptor of index.json becomes a repository entry under its full name: the
 * `io.containerd.image.name` annotation (what lite's layouts and containerd's export write), or
 * else an `org.opencontainers.image.ref.name` that is itself a full reference
 * (`host/path[:tag]`). A bare tag in ref.name names no repository, so such a descriptor is
 * skipped. A repository may fetch every manifest reachable from its descriptors (image indexes
 * are followed) and every blob those manifests reference (plus the manifests themselves, which
 * containerd may fetch through the blobs endpoint).
 */
export interface Repository {
  /** tag -> manifest (or index) digest. */
  readonly tags: Map<string, string>;
  /** manifest/index digest -> its media type. */
  readonly manifests: Map<string, string>;
  /** Digests fetchable through /blobs/ for this repository. */
  readonly blobs: Set<string>;
}

export interface RegistryContent {
  /** Full repository name (e.g. docker.io/library/busybox) -> its content. */
  readonly repositories: ReadonlyMap<string, Repository>;
  /** digest -> bytes; every blob's sha256 was verified on load. */
  readonly blobs: ReadonlyMap<string, Uint8Array>;
}

const INDEX_TYPES = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);
const MANIFEST_TYPES = new Set(["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json", ...INDEX_TYPES]);

interface Descriptor { mediaType?: string; digest?: string; annotations?: Record<string, string> }
interface ManifestJson { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] }

/** Parses a layout tar's bytes. Throws when index.json is missing or a blob's digest is wrong. */
export function readLayoutContent(archive: Uint8Array): RegistryContent {
  const files = readTarFiles(archive);
  const blobs = new Map<string, Uint8Array>();
  for (const [path, bytes] of files) {
    const m = /^blobs\/(sha256)\/([0-9a-f]{64})$/.exec(path);
    if (!m) continue;
    const digest = `${m[1]}:${m[2]}`;
    const actual = `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
    if (actual !== digest) throw new Error(`layout blob ${path} has digest ${actual}`);
    blobs.set(digest, bytes);
  }
  const indexBytes = files.get("index.json");
  if (!indexBytes) throw new Error("not an OCI image layout: index.json is missing");
  const index = JSON.parse(new TextDecoder().decode(indexBytes)) as ManifestJson;

  const repositories = new Map<string, Repository>();
  for (const desc of index.manifests ?? []) {
    const name = imageName(desc.annotations ?? {});
    if (!name || !desc.digest) continue;
    const ref = splitReference(name);
    let repo = repositories.get(ref.repository);
    if (!repo) repositories.set(ref.repository, (repo = { tags: new Map(), manifests: new Map(), blobs: new Set() }));
    if (ref.tag) repo.tags.set(ref.tag, desc.digest);
    addManifest(repo, blobs, desc.digest, desc.mediaType);
  }
  return { repositories, blobs };
}

/** Records a manifest (following an index's children) and the blobs it references. */
function addManifest(repo: Repository, blobs: ReadonlyMap<string, Uint8Array>, digest: string, mediaType: string | undefined): void {
  if (repo.manifests.has(digest)) return;
  const bytes = blobs.get(digest);
  if (!bytes) return; // not in the layout: nothing to serve
  const json = JSON.parse(new TextDecoder().decode(bytes)) as ManifestJson;
  const type = mediaType ?? json.mediaType ?? (json.manifests ? "application/vnd.oci.image.index.v1+json" : "application/vnd.oci.image.manifest.v1+json");
  if (!MANIFEST_TYPES.has(type)) return;
  repo.manifests.set(digest, type);
  repo.blobs.add(digest);
  if (INDEX_TYPES.has(type)) {
    for (const child of json.manifests ?? []) if (child.digest) addManifest(repo, blobs, child.digest, child.mediaType);
    return;
  }
  for (const d of [json.config, ...(json.layers ?? [])]) if (d?.digest) repo.blobs.add(d.digest);
}

function imageName(annotations: Record<string, string>): string | undefined {
  const full = annotations["io.containerd.image.name"];
  if (full) return full;
  const ref = annotations["org.opencontainers.image.ref.name"];
  // A full reference starts with a registry host: it has a '.', a ':' or is localhost.
  if (ref && /^(localhost|[^/]*[.:][^/]*)\//.test(ref)) return ref;
  return undefined;
}

/** "host/path:tag@digest" -> repository "host/path" and the tag (undefined for digest-only names). */
export function splitReference(name: string): { repository: string; tag?: string } {
  const at = name.indexOf("@");
  const base = at >= 0 ? name.slice(0, at) : name;
  const colon = base.lastIndexOf(":");
  if (colon > base.lastIndexOf("/")) return { repository: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repository: base, tag: at >= 0 ? undefined : "latest" };
}
