/** `images`, `inspecti`, `pull`, `rmi`, `imagefsinfo`: the CRI image service as crictl shows it. */
import type { Container, FilesystemUsage, Image } from "../../agent/cri/types.ts";
import { callOr, CrictlFailure, rpcError, type CrictlContext } from "./client.ts";
import { FlagError, outputFormat, parseFlags } from "./flags.ts";
import { humanSize, printResponse, protoJson, responseType, tabwriter, truncatedId } from "./format.ts";
import { infoLine, outputStatuses } from "./status-output.ts";

/** crictl's ListImages: by name when given, sorted by first tag, else first digest, else id. */
async function listImages(ctx: CrictlContext, name = ""): Promise<Image[]> {
  const { images } = await ctx.cri.call<{ images: Image[] }>("ImageService", "ListImages", { filter: { image: { image: name } } });
  const key = (i: Image) => i.repoTags[0] ?? i.repoDigests[0] ?? i.id;
  return images.sort((a, b) => {
    if (a.repoTags.length && b.repoTags.length) return cmp(a.repoTags[0]!, b.repoTags[0]!);
    if (a.repoDigests.length && b.repoDigests.length) return cmp(a.repoDigests[0]!, b.repoDigests[0]!);
    return cmp(a.id, b.id) || cmp(key(a), key(b));
  });
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** crictl's normalizeRepoDigest: the first digest split at "@". */
function repoDigest(digests: readonly string[]): [string, string] {
  if (!digests.length) return ["<none>", "<none>"];
  const pair = digests[0]!.split("@");
  return pair.length === 2 ? [pair[0]!, pair[1]!] : ["errorName", "errorRepoDigest"];
}

/** crictl's normalizeRepoTagPair: [repository, tag] per tag; untagged images as [name, "<none>"]. */
function repoTagPairs(tags: readonly string[], imageName: string): [string, string][] {
  if (!tags.length) return [[imageName, "<none>"]];
  return tags.map((t) => {
    const at = t.lastIndexOf(":");
    if (at < 0) return ["errorRepoTag", "errorRepoTag"];
    const name = t.slice(0, at);
    return [name === "<none>" ? imageName : name, t.slice(at + 1)];
  });
}

export async function images(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "verbose", short: "v", kind: "bool" }, { name: "quiet", short: "q", kind: "bool" },
    { name: "output", short: "o", kind: "string" }, { name: "digests", kind: "bool" }, { name: "no-trunc", kind: "bool" }, { name: "pinned", kind: "bool" }]);
  const output = outputFormat(f.string("output"), ["json", "yaml", "table"], "table");
  const list = await listImages(ctx, f.positionals[0]);
  if (output !== "table") {
    printResponse(ctx, output, "ImageService", "ListImages", { images: list });
    return 0;
  }
  if (f.bool("quiet")) { for (const i of list) ctx.out(`${i.id}\n`); return 0; }
  if (f.bool("verbose")) {
    for (const i of list) {
      let text = `ID: ${i.id}\n`;
      for (const t of i.repoTags) text += `RepoTags: ${t}\n`;
      for (const d of i.repoDigests) text += `RepoDigests: ${d}\n`;
      if (i.size) text += `Size: ${i.size}\n`;
      if (i.uid) text += `Uid: value:${i.uid.value}\n`;
      if (i.username) text += `Username: ${i.username}\n`;
      if (i.pinned) text += "Pinned: true\n";
      ctx.out(text + "\n");
    }
    return 0;
  }
  const digests = f.bool("digests");
  const pinned = f.bool("pinned");
  const header = ["IMAGE", "TAG", ...(digests ? ["DIGEST"] : []), "IMAGE ID", "SIZE", ...(pinned ? ["PINNED"] : [])];
  const rows = [header];
  for (const i of list) {
    let [name, digest] = repoDigest(i.repoDigests);
    let id = i.id;
    if (!f.bool("no-trunc")) { id = truncatedId(id, "sha256:"); digest = truncatedId(digest, "sha256:"); }
    for (const [repo, tag] of repoTagPairs(i.repoTags, name)) {
      rows.push([repo, tag, ...(digests ? [digest] : []), id, humanSize(i.size, 3), ...(pinned ? [String(Boolean(i.pinned))] : [])]);
    }
  }
  ctx.out(tabwriter(rows));
  return 0;
}

async function imageStatus(ctx: CrictlContext, image: string, verbose = false): Promise<{ image?: Image; info: Record<string, string> }> {
  return ctx.cri.call("ImageService", "ImageStatus", { image: { image }, verbose });
}

export async function inspecti(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "output", short: "o", kind: "string" }, { name: "quiet", short: "q", kind: "bool" }, { name: "name", kind: "string" }]);
  const output = outputFormat(f.string("output"), ["json", "yaml", "table"], "json");
  let ids = f.positionals;
  if (!ids.length) ids = (await listImages(ctx, f.string("name"))).map((i) => i.id);
  if (!ids.length) throw new FlagError("No IDs provided or nothing found per filter");
  const verbose = !f.bool("quiet");
  const statuses = [];
  for (const id of ids) {
    const r = await callOr(`image status for ${JSON.stringify(id)} request`, () => imageStatus(ctx, id, verbose));
    if (!r.image) throw new CrictlFailure(`no such image ${JSON.stringify(id)} present`);
    if (output === "table") {
      let text = `ID: ${r.image.id}\n`;
      for (const t of r.image.repoTags) text += `Tag: ${t}\n`;
      for (const d of r.image.repoDigests) text += `Digest: ${d}\n`;
      text += `Size: ${humanSize(r.image.size, 3)}\n`;
      if (verbose) text += infoLine(r.info);
      ctx.out(text);
    } else statuses.push({ status: protoJson("runtime.v1.Image", r.image), info: r.info });
  }
  if (statuses.length) ctx.out(outputStatuses(statuses, output));
  return 0;
}

export async function pull(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "creds", kind: "string" }, { name: "auth", kind: "string" }, { name: "username", short: "u", kind: "string" },
    { name: "pull-timeout", short: "pt", kind: "string" }]);
  const image = f.positionals[0];
  if (!image) throw new FlagError("image name cannot be empty");
  if (f.string("creds") && f.string("auth")) throw new FlagError("both `--creds` and `--auth` are specified");
  let auth: Record<string, string> | undefined;
  const creds = f.string("creds");
  if (creds) {
    const at = creds.indexOf(":");
    if (at === 0) throw new FlagError("username can't be empty");
    auth = at < 0 ? { username: creds } : { username: creds.slice(0, at), password: creds.slice(at + 1) };
  } else if (f.string("auth")) auth = { auth: f.string("auth")! };
  else if (f.string("username")) auth = { username: f.string("username")! };
  const r: { imageRef: string } = await callOr("pulling image", () => ctx.cri.call("ImageService", "PullImage", { image: { image }, auth }, 0));
  ctx.out(`Image is up to date for ${r.imageRef}\n`);
  return 0;
}

/**
 * Beyond crictl (which relies on the runtime pinning it): the pause image, so that --prune cannot
 * leave the node unable to start pods. It is what every sandbox runs (containerd's verbose sandbox
 * info names it) and the runtime's configured sandbox image (verbose Status config), when given.
 */
async function sandboxImages(ctx: CrictlContext): Promise<string[]> {
  const out = new Set<string>();
  const parse = (text: string | undefined): any => { try { return text ? JSON.parse(text) : undefined; } catch { return undefined; } };
  try {
    const status = await ctx.cri.call<{ info: Record<string, string> }>("RuntimeService", "Status", { verbose: true }, 10_000);
    const config = parse(status.info.config);
    for (const image of [config?.sandboxImage, config?.pinnedImages?.sandbox]) if (typeof image === "string" && image) out.add(image);
  } catch { /* older runtimes: the sandboxes below still count */ }
  const { items } = await ctx.cri.call<{ items: { id: string }[] }>("RuntimeService", "ListPodSandbox", {});
  for (const p of items) {
    try {
      const r = await ctx.cri.call<{ info: Record<string, string> }>("RuntimeService", "PodSandboxStatus", { podSandboxId: p.id, verbose: true });
      const image = parse(r.info.info)?.image;
      if (typeof image === "string" && image) out.add(image);
    } catch { /* gone meanwhile */ }
  }
  return [...out];
}

export async function rmi(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "all", short: "a", kind: "bool" }, { name: "prune", short: "q", kind: "bool" }]);
  const ids = new Map<string, boolean>(f.positionals.map((id) => [id, true]));
  const all = f.bool("all");
  const prune = f.bool("prune");
  if (all || prune) {
    for (const img of await listImages(ctx)) if (!(prune && img.pinned)) ids.set(img.id, true);
  }
  if (prune) {
    const { containers } = await ctx.cri.call<{ containers: Container[] }>("RuntimeService", "ListContainers", {});
    const inUse = new Set([...containers.map((c) => c.image.image), ...(await sandboxImages(ctx))]);
    for (const image of inUse) {
      try {
        const id = (await imageStatus(ctx, image)).image?.id;
        if (id) ids.set(id, false);
      } catch (e) {
        ctx.err(`image status request for ${JSON.stringify(image)} failed: ${rpcError(e)}\n`);
      }
    }
  }
  if (ids.size === 0) {
    if (all || prune) { ctx.err("No images to remove\n"); return 0; }
    throw new FlagError("rmi needs at least one IMAGE-ID (or --all/--prune)");
  }
  let failed = 0;
  for (const [id, remove] of ids) {
    if (!remove) continue;
    try {
      const status = await callOr(`image status request for ${JSON.stringify(id)} failed`, () => imageStatus(ctx, id));
      if (!status.image) throw new CrictlFailure(`no such image ${id}`);
      try {
        await ctx.cri.call("ImageService", "RemoveImage", { image: { image: id } });
      } catch (e) {
        if (prune) continue; // races with the kubelet's own GC are not errors on prune
        throw new CrictlFailure(`error of removing image ${JSON.stringify(id)}: ${rpcError(e)}`);
      }
      const names = status.image.repoTags.length ? status.image.repoTags : status.image.repoDigests;
      for (const n of names) ctx.out(`Deleted: ${n}\n`);
    } catch (e) {
      failed++;
      ctx.err(`lite crictl rmi: ${e instanceof CrictlFailure ? e.message : rpcError(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}

export async function imagefsinfo(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "output", short: "o", kind: "string" }]);
  const output = outputFormat(f.string("output"), ["json", "yaml", "table"], "json");
  const r: { imageFilesystems: FilesystemUsage[]; containerFilesystems?: FilesystemUsage[] } = await callOr("image filesystem info request",
    () => ctx.cri.call("ImageService", "ImageFsInfo", {}));
  if (output === "table") {
    const table = (label: string, list: FilesystemUsage[] = []) =>
      `${label} Filesystem \n` + list.map((v, i) =>
        `TimeStamp[${i}]: ${v.timestamp}\nDisk[${i}]: ${humanSize(v.usedBytes?.value ?? 0)}\nInodes[${i}]: ${v.inodesUsed?.value ?? 0}\nMountpoint[${i}]: ${v.fsId?.mountpoint ?? ""}\n`).join("");
    ctx.out(table("Container", r.containerFilesystems) + table("Image", r.imageFilesystems));
    return 0;
  }
  ctx.out(outputStatuses([{ status: protoJson(responseType("ImageService", "ImageFsInfo"), r) }], output));
  return 0;
}
