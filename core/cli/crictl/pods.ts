/** `pods`, `inspectp`, `stopp`, `rmp`: pod sandboxes as crictl lists, inspects, stops and removes them. */
import type { PodSandbox, PodSandboxStatus } from "../../agent/cri/types.ts";
import { callOr, CrictlFailure, rpcError, type CrictlContext } from "./client.ts";
import { keyValues, truncateCount } from "./containers.ts";
import { FlagError, outputFormat, parseFlags, parseLabels, regex, type FlagSpec, type ParsedFlags } from "./flags.ts";
import { ago, printResponse, protoJson, rfc3339Nano, tabwriter, truncatedId } from "./format.ts";
import { infoLine, outputStatuses } from "./status-output.ts";

const LIST_FLAGS: FlagSpec[] = [
  { name: "id", kind: "string" }, { name: "name", kind: "string" }, { name: "namespace", kind: "string" },
  { name: "state", short: "s", kind: "string" }, { name: "label", kind: "list" },
  { name: "latest", short: "l", kind: "bool" }, { name: "last", short: "n", kind: "int" },
];
const PODS_FLAGS: FlagSpec[] = [...LIST_FLAGS, { name: "verbose", short: "v", kind: "bool" }, { name: "quiet", short: "q", kind: "bool" },
  { name: "output", short: "o", kind: "string" }, { name: "no-trunc", kind: "bool" }];

const stateName = (s: string) => (s === "SANDBOX_READY" ? "Ready" : "NotReady");

async function listPods(ctx: CrictlContext, f: ParsedFlags): Promise<PodSandbox[]> {
  const filter: Record<string, unknown> = {};
  if (f.string("id")) filter.id = f.string("id");
  const state = f.string("state");
  if (state) {
    const s = state.toLowerCase() === "ready" ? "SANDBOX_READY" : state.toLowerCase() === "notready" ? "SANDBOX_NOTREADY" : undefined;
    if (!s) throw new FlagError("--state should be ready or notready");
    filter.state = { state: s };
  }
  const labels = parseLabels(f.list("label"));
  if (Object.keys(labels).length) filter.labelSelector = labels;
  const nameRe = regex(f.string("name"));
  const nsRe = regex(f.string("namespace"));
  const { items } = await ctx.cri.call<{ items: PodSandbox[] }>("RuntimeService", "ListPodSandbox", { filter });
  const out = items.filter((p) => (!nameRe || nameRe.test(p.metadata.name)) && (!nsRe || nsRe.test(p.metadata.namespace)));
  out.sort((a, b) => b.createdAt - a.createdAt);
  return out.slice(0, truncateCount(out.length, f.bool("latest"), f.int("last") ?? 0));
}

export async function pods(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, PODS_FLAGS);
  if (f.positionals.length) throw new FlagError(`pods takes no arguments (got ${JSON.stringify(f.positionals[0])})`);
  const output = outputFormat(f.string("output"), ["json", "yaml", "table"], "table");
  const items = await listPods(ctx, f);
  if (output !== "table") {
    printResponse(ctx, output, "RuntimeService", "ListPodSandbox", { items });
    return 0;
  }
  if (f.bool("quiet")) { for (const p of items) ctx.out(`${p.id}\n`); return 0; }
  if (f.bool("verbose")) {
    for (const p of items) {
      let text = `ID: ${p.id}\n`;
      if (p.metadata.name) text += `Name: ${p.metadata.name}\n`;
      if (p.metadata.uid) text += `UID: ${p.metadata.uid}\n`;
      if (p.metadata.namespace) text += `Namespace: ${p.metadata.namespace}\n`;
      if (p.metadata.attempt) text += `Attempt: ${p.metadata.attempt}\n`;
      text += `Status: ${stateName(p.state)}\nCreated: ${ago(p.createdAt, ctx.now())}\n`;
      text += keyValues("Labels", p.labels) + keyValues("Annotations", p.annotations);
      text += `Runtime: ${runtimeHandler(p)}\n\n`;
      ctx.out(text);
    }
    return 0;
  }
  const rows = [["POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"]];
  for (const p of items) {
    rows.push([f.bool("no-trunc") ? p.id : truncatedId(p.id), ago(p.createdAt, ctx.now()), stateName(p.state), p.metadata.name,
      p.metadata.namespace, String(p.metadata.attempt), runtimeHandler(p)]);
  }
  ctx.out(tabwriter(rows));
  return 0;
}

const runtimeHandler = (p: PodSandbox & { runtimeHandler?: string }) => p.runtimeHandler || "(default)";

export async function inspectp(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [...LIST_FLAGS, { name: "output", short: "o", kind: "string" }, { name: "quiet", short: "q", kind: "bool" }]);
  const output = outputFormat(f.string("output"), ["json", "yaml", "table"], "json");
  let ids = f.positionals;
  if (ids.length === 0) ids = (await listPods(ctx, f)).map((p) => p.id);
  if (ids.length === 0) throw new FlagError("No IDs provided or nothing found per filter");
  const verbose = !f.bool("quiet");
  const statuses = [];
  for (const id of ids) {
    const r: { status?: PodSandboxStatus; info: Record<string, string> } = await callOr("get the status of pod sandboxes: get pod sandbox status",
      () => ctx.cri.call("RuntimeService", "PodSandboxStatus", { podSandboxId: id, verbose }));
    const s = r.status!;
    if (output === "table") {
      let text = `ID: ${s.id}\n`;
      if (s.metadata.name) text += `Name: ${s.metadata.name}\n`;
      if (s.metadata.uid) text += `UID: ${s.metadata.uid}\n`;
      if (s.metadata.namespace) text += `Namespace: ${s.metadata.namespace}\n`;
      text += `Attempt: ${s.metadata.attempt}\nStatus: ${s.state}\nCreated: ${ago(s.createdAt, ctx.now())}\n`;
      if (s.network) {
        text += `IP Addresses: ${s.network.ip}\n`;
        for (const ip of s.network.additionalIps ?? []) text += `Additional IP: ${ip.ip}\n`;
      }
      text += keyValues("Labels", s.labels) + keyValues("Annotations", s.annotations);
      if (verbose) text += infoLine(r.info);
      ctx.out(text);
    } else {
      const status = protoJson("runtime.v1.PodSandboxStatus", s) as Record<string, unknown>;
      status.createdAt = rfc3339Nano(s.createdAt);
      statuses.push({ status, info: r.info });
    }
  }
  if (statuses.length) ctx.out(outputStatuses(statuses, output));
  return 0;
}

export async function stopp(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, []);
  if (!f.positionals.length) throw new FlagError("stopp needs at least one POD-ID");
  for (const id of f.positionals) {
    await callOr(`stopping the pod sandbox ${JSON.stringify(id)}`, () => ctx.cri.call("RuntimeService", "StopPodSandbox", { podSandboxId: id }));
    ctx.out(`Stopped sandbox ${id}\n`);
  }
  return 0;
}

export async function rmp(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "force", short: "f", kind: "bool" }, { name: "all", short: "a", kind: "bool" }]);
  let ids = f.positionals;
  if (f.bool("all")) {
    ids = (await ctx.cri.call<{ items: PodSandbox[] }>("RuntimeService", "ListPodSandbox", {})).items.map((p) => p.id);
    if (!ids.length) { ctx.err("No pod sandboxs to remove\n"); return 0; }
  }
  if (!ids.length) throw new FlagError("rmp needs at least one POD-ID");
  let failed = 0;
  for (const id of ids) {
    try {
      const status = await callOr(`getting sandbox status of pod ${JSON.stringify(id)}`,
        async () => (await ctx.cri.call<{ status: PodSandboxStatus }>("RuntimeService", "PodSandboxStatus", { podSandboxId: id })).status);
      if (status.state === "SANDBOX_READY") {
        if (!f.bool("force")) throw new CrictlFailure(`pod sandbox ${JSON.stringify(id)} is running, please stop it first`);
        await callOr(`stopping the pod sandbox ${JSON.stringify(id)} failed`, async () => {
          await ctx.cri.call("RuntimeService", "StopPodSandbox", { podSandboxId: id });
          ctx.out(`Stopped sandbox ${id}\n`);
        });
      }
      await callOr(`removing the pod sandbox ${JSON.stringify(id)}`, () => ctx.cri.call("RuntimeService", "RemovePodSandbox", { podSandboxId: id }));
      ctx.out(`Removed sandbox ${id}\n`);
    } catch (e) {
      failed++;
      ctx.err(`lite crictl rmp: ${e instanceof CrictlFailure ? e.message : rpcError(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}
