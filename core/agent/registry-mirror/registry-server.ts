import type { Logger } from "@lite/sdk";
import { readLayoutContent, type RegistryContent } from "./layout-content.ts";

/**
 * A read-only OCI distribution registry serving lite's built-in images on loopback, so that
 * containerd can use it as a mirror (see mirror-hosts.ts) and a pull of `busybox` with
 * imagePullPolicy Always resolves locally to the very image lite imported.
 *
 * The API is the pull subset containerd 1.6 uses, GET and HEAD only:
 * - `/v2/`: 200 with `Docker-Distribution-API-Version: registry/2.0`.
 * - `/v2/<name>/manifests/<tag|digest>`: the manifest or index bytes, with its media type as
 *   Content-Type, `Docker-Content-Digest` and Content-Length.
 * - `/v2/<name>/blobs/<digest>`: the blob, honouring a single `Range: bytes=N-[M]`.
 * The repository is `<ns>/<name>` when the `ns` query parameter is present (containerd adds it
 * when it talks to a mirror, naming the registry the image reference is from), else `<name>`
 * itself. Anything unknown answers 404 with an OCI error body (NAME_UNKNOWN, MANIFEST_UNKNOWN,
 * BLOB_UNKNOWN), so containerd goes on to the next endpoint; other methods answer 405.
 */
export interface BuiltinRegistry {
  /** The loopback port it listens on (127.0.0.1). */
  readonly port: number;
  /** Full repository names served, sorted (e.g. docker.io/library/busybox, lite.local/pause). */
  repositories(): string[];
  /** Closes the listener and its connections. Idempotent. */
  stop(): Promise<void>;
}

export interface BuiltinRegistryOptions {
  /** Path of an OCI image-layout tar (lite's built-in layout: `ensureBuiltinLayout(paths).file`). */
  readonly layoutTar: string;
  readonly log: Logger;
}

export async function startBuiltinRegistry(opts: BuiltinRegistryOptions): Promise<BuiltinRegistry> {
  const content = readLayoutContent(await Bun.file(opts.layoutTar).bytes());
  const handle = createRegistryHandler(content, opts.log);
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handle });
  const port = server.port!;
  const repositories = [...content.repositories.keys()].sort();
  opts.log.info("built-in image registry listening", { address: `127.0.0.1:${port}`, repositories });
  let stopped: Promise<void> | undefined;
  return {
    port,
    repositories: () => [...repositories],
    stop: () => (stopped ??= server.stop(true)),
  };
}

const API_HEADER = { "Docker-Distribution-API-Version": "registry/2.0" };
const ROUTE = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/;

/** The request handler over in-memory content (GET and HEAD; Bun drops the body of HEAD answers but keeps their Content-Length). */
export function createRegistryHandler(content: RegistryContent, log: Logger): (req: Request) => Response {
  return (req) => {
    const res = answer(content, req);
    log.debug("registry request", { method: req.method, url: req.url, status: res.status });
    return res;
  };
}

function answer(content: RegistryContent, req: Request): Response {
  if (req.method !== "GET" && req.method !== "HEAD") return ociError(405, "UNSUPPORTED", "this registry is read-only");
  const url = new URL(req.url);
  if (url.pathname === "/v2/" || url.pathname === "/v2") return new Response("{}", { headers: { ...API_HEADER, "Content-Type": "application/json" } });
  const route = ROUTE.exec(url.pathname);
  if (!route) return ociError(404, "NAME_UNKNOWN", "no such endpoint");
  const [, name, kind, reference] = route as unknown as [string, string, string, string];
  const repoName = repositoryName(url.searchParams.get("ns"), name);
  const repo = content.repositories.get(repoName);
  if (!repo) return ociError(404, "NAME_UNKNOWN", `repository ${repoName} is not served here`);

  if (kind === "manifests") {
    const digest = reference.includes(":") ? (repo.manifests.has(reference) ? reference : undefined) : repo.tags.get(reference);
    const bytes = digest ? content.blobs.get(digest) : undefined;
    if (!digest || !bytes) return ociError(404, "MANIFEST_UNKNOWN", `manifest ${repoName}:${reference} is not served here`);
    return new Response(bytes, { headers: { ...API_HEADER, "Content-Type": repo.manifests.get(digest)!, "Docker-Content-Digest": digest } });
  }
  const bytes = repo.blobs.has(reference) ? content.blobs.get(reference) : undefined;
  if (!bytes) return ociError(404, "BLOB_UNKNOWN", `blob ${reference} is not in ${repoName}`);
  const headers = { ...API_HEADER, "Content-Type": "application/octet-stream", "Docker-Content-Digest": reference, "Accept-Ranges": "bytes" };
  const range = req.headers.get("range");
  if (!range) return new Response(bytes, { headers });
  const m = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
  const start = m ? Number(m[1]) : NaN;
  const end = m?.[2] ? Math.min(Number(m[2]), bytes.length - 1) : bytes.length - 1;
  if (!(start <= end)) return new Response(null, { status: 416, headers: { ...API_HEADER, "Content-Range": `bytes */${bytes.length}` } });
  return new Response(bytes.subarray(start, end + 1), { status: 206, headers: { ...headers, "Content-Range": `bytes ${start}-${end}/${bytes.length}` } });
}

/** `ns` + name as a full repository name; Docker Hub's one-component names live under library/. */
function repositoryName(ns: string | null, name: string): string {
  if (!ns) return name;
  if (ns === "docker.io" && !name.includes("/")) return `docker.io/library/${name}`;
  return `${ns}/${name}`;
}

function ociError(status: number, code: string, message: string): Response {
  return Response.json({ errors: [{ code, message, detail: null }] }, { status, headers: API_HEADER });
}
