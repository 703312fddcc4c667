/** `version` and `info`: the runtime's identity and its Status (conditions, handlers, verbose config). */
import { callOr, type CrictlContext } from "./client.ts";
import { FlagError, outputFormat, parseFlags } from "./flags.ts";
import { json, protoJson, yaml } from "./format.ts";
import { outputStatuses } from "./status-output.ts";

export async function version(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, []);
  if (f.positionals.length) throw new FlagError(`version takes no arguments (got ${JSON.stringify(f.positionals[0])})`);
  const v: { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string } = await callOr("getting the runtime version",
    () => ctx.cri.call("RuntimeService", "Version", { version: "v1" }, 10_000));
  ctx.out(`Version:  ${v.version}\nRuntimeName:  ${v.runtimeName}\nRuntimeVersion:  ${v.runtimeVersion}\nRuntimeApiVersion:  ${v.runtimeApiVersion}\n`);
  return 0;
}

interface StatusResponse {
  status?: unknown;
  info: Record<string, string>;
  runtimeHandlers: { name: string; features?: { recursiveReadOnlyMounts: boolean; userNamespaces: boolean } }[];
  features?: { supplementalGroupsPolicy: boolean };
}

export async function info(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "output", short: "o", kind: "string" }, { name: "quiet", short: "q", kind: "bool" }]);
  const output = outputFormat(f.string("output"), ["json", "yaml"], "json");
  const r: StatusResponse = await callOr("getting status of runtime", () => ctx.cri.call("RuntimeService", "Status", { verbose: !f.bool("quiet") }, 10_000));
  // Go's json.Marshal of the handler structs: snake_case names, false/empty left out.
  const handlers = r.runtimeHandlers.map((h) => ({
    ...(h.name ? { name: h.name } : {}),
    ...(h.features ? { features: { ...(h.features.recursiveReadOnlyMounts ? { recursive_read_only_mounts: true } : {}), ...(h.features.userNamespaces ? { user_namespaces: true } : {}) } } : {}),
  }));
  const extra: Record<string, unknown> = {};
  if (handlers.length) extra.runtimeHandlers = handlers;
  if (r.features) extra.features = r.features.supplementalGroupsPolicy ? { supplemental_groups_policy: true } : {};
  ctx.out(outputStatuses([{ status: protoJson("runtime.v1.RuntimeStatus", r.status ?? {}), info: r.info, extra }], output));
  return 0;
}
