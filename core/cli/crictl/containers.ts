/** `ps`, `inspect`, `stop`, `rm`: containers as crictl lists, inspects, stops and removes them. */
import { existsSync, globSync, rmSync } from "node:fs";
import type { Container, ContainerStatus } from "../../agent/cri/types.ts";
import { callOr, CrictlFailure, rpcError, type CrictlContext } from "./client.ts";
import { FlagError, outputFormat, parseFlags, parseLabels, regex, type FlagSpec, type ParsedFlags } from "./flags.ts";
import { ago, printResponse, protoJson, rfc3339Nano, tabwriter, truncatedId } from "./format.ts";
import { infoLine, outputStatuses } from "./status-output.ts";

const LIST_FLAGS: FlagSpec[] = [
  { name: "id", kind: "string" }, { name: "name", kind: "string" }, { name: "namespace", kind: "string" },
  { name: "pod", short: "p", kind: "string" }, { name: "image", kind: "string" }, { name: "state", short: "s", kind: "string" },
  { name: "label", kind: "list" }, { name: "all", short: "a", kind: "bool" }, { name: "latest", short: "l", kind: "bool" },
  { name: "last", short: "n", kind: "int" },
];
const PS_FLAGS: FlagSpec[] = [...LIST_FLAGS, { name: "verbose", short: "v", kind: "bool" }, { name: "quiet", short: "q", kind: "bool" },
  { name: "output", short: "o", kind: "string" }, { name: "no-trunc", kind: "bool" }];

const STATES: Record<string, Container["state"]> = { created: "CONTAINER_CREATED", running: "CONTAINER_RUNNING", exited: "CONTAINER_EXITED", unknown: "CONTAINER_UNKNOWN" };
const STATE_NAMES: Record<string, string> = { CONTAINER_CREATED: "Created", CONTAINER_RUNNING: "Running", CONTAINER_EXITED: "Exited", CONTAINER_UNKNOWN: "Unknown" };

/** crictl's truncateCount: --latest keeps 1, --last N keeps N. */
export function truncateCount(total: number, latest: boolean, last: number): number {
  let n = latest ? 1 : total;
  if (last > 0) n = last;
  return Math.min(n, total);
}

async function imageId(ctx: CrictlContext, image: string): Promise<string | undefined> {
  return (await ctx.cri.call<{ image?: { id: string } }>("ImageService", "ImageStatus", { image: { image } })).image?.id;
}

/** crictl's ListContainers + getContainersList: runtime filter, then name/namespace/image, newest first. */
async function listContainers(ctx: CrictlContext, f: ParsedFlags): Promise<Container[]> {
  const filter: Record<string, unknown> = {};
  if (f.string("id")) filter.id = f.string("id");
  if (f.string("pod")) filter.podSandboxId = f.string("pod");
  const state = f.string("state");
  if (state) {
    const s = STATES[state.toLowerCase()];
    if (!s) throw new FlagError("--state should be one of created, running, exited or unknown");
    filter.state = { state: s };
  } else if (!f.bool("all")) filter.state = { state: "CONTAINER_RUNNING" };
  const latest = f.bool("latest");
  const last = f.int("last") ?? 0;
  if (latest || last > 0) delete filter.state;
  const labels = parseLabels(f.list("label"));
  if (Object.keys(labels).length) filter.labelSelector = labels;
  const nameRe = regex(f.string("name"));
  const nsRe = regex(f.string("namespace"));
  const imageIds = new Map<string, Promise<string | undefined>>();
  const imageIdOf = (image: string) => {
    let id = imageIds.get(image);
    if (!id) imageIds.set(image, (id = imageId(ctx, image)));
    return id;
  };
  const wantImage = f.string("image") ? await imageIdOf(f.string("image")!) : undefined;
  const { containers } = await ctx.cri.call<{ containers: Container[] }>("RuntimeService", "ListContainers", { filter });
  const out: Container[] = [];
  for (const c of containers) {
    if (f.string("image") && (!wantImage || (await imageIdOf(c.image.image)) !== wantImage)) continue;
    if (nameRe && !nameRe.test(c.metadata.name)) continue;
    if (nsRe && !nsRe.test(c.labels["io.kubernetes.pod.namespace"] ?? "unknown")) continue;
    out.push(c);
  }
  out.sort((a, b) => b.createdAt - a.createdAt);
  return out.slice(0, truncateCount(out.length, latest, last));
}

export async function ps(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, PS_FLAGS);
  if (f.positionals.length) throw new FlagError(`ps takes no arguments (got ${JSON.stringify(f.positionals[0])})`);
  const output = outputFormat(f.string("output"), ["json", "yaml", "table"], "table");
  const containers = await listContainers(ctx, f);
  if (output !== "table") {
    printResponse(ctx, output, "RuntimeService", "ListContainers", { containers });
    return 0;
  }
  const noTrunc = f.bool("no-trunc");
  if (f.bool("quiet")) { for (const c of containers) ctx.out(`${c.id}\n`); return 0; }
  if (f.bool("verbose")) {
    for (const c of containers) {
      let text = `ID: ${c.id}\nPodID: ${c.podSandboxId}\nNamespace: ${c.labels["io.kubernetes.pod.namespace"] ?? "unknown"}\n`;
      if (c.metadata.name) text += `Name: ${c.metadata.name}\n`;
      text += `Attempt: ${c.metadata.attempt}\nState: ${STATE_NAMES[c.state]}\nImage: ${c.image.image}\nCreated: ${ago(c.createdAt, ctx.now())}\n`;
      text += keyValues("Labels", c.labels) + keyValues("Annotations", c.annotations) + "\n";
      ctx.out(text);
    }
    return 0;
  }
  const rows = [["CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD", "NAMESPACE"]];
  for (const c of containers) {
    let image = c.image.image;
    if (!noTrunc && /^[a-z0-9]+:[a-f0-9]{32,}$/.test(image)) image = truncatedId(image, image.slice(0, image.indexOf(":") + 1));
    rows.push([noTrunc ? c.id : truncatedId(c.id), image, ago(c.createdAt, ctx.now()), STATE_NAMES[c.state] ?? c.state, c.metadata.name,
      String(c.metadata.attempt), noTrunc ? c.podSandboxId : truncatedId(c.podSandboxId),
      c.labels["io.kubernetes.pod.name"] ?? "unknown", c.labels["io.kubernetes.pod.namespace"] ?? "unknown"]);
  }
  ctx.out(tabwriter(rows));
  return 0;
}

export function keyValues(title: string, m: Record<string, string> | undefined): string {
  if (!m) return "";
  return `${title}:\n` + Object.keys(m).sort().map((k) => `\t${k} -> ${m[k]}\n`).join("");
}

/** crictl's marshalContainerStatus: protojson with the three timestamps as RFC3339Nano. */
function containerStatusJson(s: ContainerStatus): Record<string, unknown> {
  const out = protoJson("runtime.v1.ContainerStatus", s) as Record<string, unknown>;
  out.createdAt = rfc3339Nano(s.createdAt);
  out.startedAt = s.state !== "CONTAINER_CREATED" ? rfc3339Nano(s.startedAt) : "0001-01-01T00:00:00Z";
  const finished = s.state === "CONTAINER_EXITED" || (s.state === "CONTAINER_UNKNOWN" && s.finishedAt > 0);
  out.finishedAt = finished ? rfc3339Nano(s.finishedAt) : "0001-01-01T00:00:00Z";
  return out;
}

export async function inspect(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [...LIST_FLAGS, { name: "output", short: "o", kind: "string" }, { name: "quiet", short: "q", kind: "bool" }]);
  const output = outputFormat(f.string("output"), ["json", "yaml", "table"], "json");
  let ids = f.positionals;
  if (ids.length === 0) ids = (await listContainers(ctx, f)).map((c) => c.id);
  if (ids.length === 0) throw new FlagError("No IDs provided or nothing found per filter");
  const verbose = !f.bool("quiet");
  const statuses = [];
  for (const id of ids) {
    const r: { status?: ContainerStatus; info: Record<string, string> } = await callOr("get the status of containers: get container status",
      () => ctx.cri.call("RuntimeService", "ContainerStatus", { containerId: id, verbose }));
    const s = r.status!;
    if (output === "table") {
      let text = `ID: ${s.id}\n`;
      if (s.metadata.name) text += `Name: ${s.metadata.name}\n`;
      if (s.metadata.attempt) text += `Attempt: ${s.metadata.attempt}\n`;
      text += `State: ${s.state}\nCreated: ${ago(s.createdAt, ctx.now())}\n`;
      if (s.state !== "CONTAINER_CREATED") text += `Started: ${ago(s.startedAt, ctx.now())}\n`;
      if (s.state === "CONTAINER_EXITED") text += `Finished: ${ago(s.finishedAt, ctx.now())}\nExit Code: ${s.exitCode}\n`;
      text += keyValues("Labels", s.labels) + keyValues("Annotations", s.annotations);
      if (verbose) text += infoLine(r.info);
      ctx.out(text);
    } else statuses.push({ status: containerStatusJson(s), info: r.info });
  }
  if (statuses.length) ctx.out(outputStatuses(statuses, output));
  return 0;
}

export async function stop(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "timeout", short: "t", kind: "int" }, { name: "all", short: "a", kind: "bool" }]);
  let ids = f.positionals;
  if (f.bool("all")) {
    ids = (await ctx.cri.call<{ containers: Container[] }>("RuntimeService", "ListContainers", { filter: { state: { state: "CONTAINER_RUNNING" } } })).containers.map((c) => c.id);
    if (!ids.length) { ctx.out("No running containers found.\n"); return 0; }
  }
  if (!ids.length) throw new FlagError("stop needs at least one CONTAINER-ID");
  const timeout = f.int("timeout") ?? 0;
  let failed = 0;
  for (const id of ids) {
    try {
      await ctx.cri.call("RuntimeService", "StopContainer", { containerId: id, timeout }, 120_000 + timeout * 1000);
      ctx.out(`${id}\n`);
    } catch (e) {
      failed++;
      ctx.err(`lite crictl stop: stopping the container ${JSON.stringify(id)}: ${rpcError(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}

export async function rm(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "force", short: "f", kind: "bool" }, { name: "keep-logs", short: "k", kind: "bool" }, { name: "all", short: "a", kind: "bool" }]);
  let ids = f.positionals;
  if (f.bool("all")) {
    ids = (await ctx.cri.call<{ containers: Container[] }>("RuntimeService", "ListContainers", {})).containers.map((c) => c.id);
    if (!ids.length) { ctx.err("No containers to remove\n"); return 0; }
  }
  if (!ids.length) throw new FlagError("rm needs at least one CONTAINER-ID");
  let failed = 0;
  for (const id of ids) {
    try {
      await removeOne(ctx, id, f.bool("force"), f.bool("keep-logs"));
    } catch (e) {
      failed++;
      ctx.err(`lite crictl rm: ${e instanceof CrictlFailure ? e.message : rpcError(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}

async function removeOne(ctx: CrictlContext, id: string, force: boolean, keepLogs: boolean): Promise<void> {
  const status = await callOr(`getting container status ${JSON.stringify(id)}`,
    async () => (await ctx.cri.call<{ status: ContainerStatus }>("RuntimeService", "ContainerStatus", { containerId: id })).status);
  if (status.state === "CONTAINER_RUNNING") {
    if (!force) throw new CrictlFailure(`container ${JSON.stringify(id)} is running, please stop it first`);
    await callOr(`stopping the container ${JSON.stringify(id)}`, async () => {
      await ctx.cri.call("RuntimeService", "StopContainer", { containerId: id, timeout: 0 });
      ctx.out(`${id}\n`);
    });
  }
  await callOr(`removing container ${JSON.stringify(id)}`, () => ctx.cri.call("RuntimeService", "RemoveContainer", { containerId: id }));
  ctx.out(`${id}\n`);
  if (!keepLogs && status.logPath) {
    for (const file of [...globSync(`${status.logPath}.*`), status.logPath]) if (existsSync(file)) rmSync(file, { force: true });
  }
}
