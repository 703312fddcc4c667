/**
 * `lite crictl`: the everyday crictl views of lite's CRI runtime (Debian has no cri-tools package),
 * over lite's own CRI client: ps, pods, images, logs, inspect, version. A subset by design; for the
 * rest use `lite ctr` (containerd's own client).
 */
import { readFileSync } from "node:fs";
import { createCriClient } from "../agent/cri/client.ts";
import type { CriClient } from "../agent/cri/types.ts";
import { dataDirOf, liteContainerdSocket, type CommandIo } from "./images-command.ts";

export const CRICTL_HELP = `lite crictl - CRI views of lite's containerd (a subset of crictl)

USAGE: lite crictl [-d DATA_DIR] COMMAND [ARGS]

COMMANDS:
  ps [-a]            Containers (running; -a: all)
  pods               Pod sandboxes
  images             Images
  logs CONTAINER_ID  The container's log (CRI format lines)
  inspect ID         A container's (or sandbox's) status as JSON
  version            Runtime name and versions

-d/--data-dir (default /var/lib/lite; $LITE_DATA_DIR) selects the lite whose containerd to query.`;

const short = (id: string) => id.replace(/^sha256:/, "").slice(0, 13);
function ago(ns: number): string {
  const s = Math.max(0, Math.round((Date.now() - ns / 1e6) / 1000));
  return s < 60 ? `${s} seconds ago` : s < 3600 ? `${Math.floor(s / 60)} minutes ago` : `${Math.floor(s / 3600)} hours ago`;
}
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd()).join("\n");
}

async function run(cri: CriClient, command: string, args: string[], io: CommandIo): Promise<number> {
  switch (command) {
    case "version": {
      const v = await cri.version();
      io.log(`Version:  ${v.version}\nRuntimeName:  ${v.runtimeName}\nRuntimeVersion:  ${v.runtimeVersion}\nRuntimeApiVersion:  ${v.runtimeApiVersion}`);
      return 0;
    }
    case "ps": {
      const all = args.includes("-a") || args.includes("--all");
      const pods = new Map((await cri.listPodSandbox()).map((p) => [p.id, p]));
      const rows = [["CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"]];
      for (const c of (await cri.listContainers()).sort((a, b) => b.createdAt - a.createdAt)) {
        if (!all && c.state !== "CONTAINER_RUNNING") continue;
        rows.push([short(c.id), short(c.imageRef), ago(c.createdAt), c.state.replace("CONTAINER_", ""), c.metadata.name, String(c.metadata.attempt), short(c.podSandboxId), pods.get(c.podSandboxId)?.metadata.name ?? ""]);
      }
      io.log(table(rows));
      return 0;
    }
    case "pods": {
      const rows = [["POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT"]];
      for (const p of (await cri.listPodSandbox()).sort((a, b) => b.createdAt - a.createdAt)) {
        rows.push([short(p.id), ago(p.createdAt), p.state.replace("SANDBOX_", ""), p.metadata.name, p.metadata.namespace, String(p.metadata.attempt)]);
      }
      io.log(table(rows));
      return 0;
    }
    case "images": {
      const rows = [["IMAGE", "TAG", "IMAGE ID", "SIZE"]];
      for (const i of await cri.listImages()) {
        for (const tag of i.repoTags.length ? i.repoTags : ["<none>:<none>"]) {
          const at = tag.lastIndexOf(":");
          rows.push([tag.slice(0, at), tag.slice(at + 1), short(i.id), `${(i.size / 1024 / 1024).toFixed(1)}MB`]);
        }
      }
      io.log(table(rows));
      return 0;
    }
    case "logs":
    case "inspect": {
      const id = args[0];
      if (!id) { io.error(`lite crictl ${command}: a container ID is required`); return 2; }
      const container = (await cri.listContainers()).find((c) => c.id.startsWith(id));
      if (command === "logs") {
        if (!container) { io.error(`lite crictl logs: no container with ID ${id}`); return 1; }
        const status = await cri.containerStatus(container.id);
        process.stdout.write(readFileSync(status.logPath, "utf8"));
        return 0;
      }
      if (container) { io.log(JSON.stringify(await cri.containerStatus(container.id), null, 2)); return 0; }
      const sandbox = (await cri.listPodSandbox()).find((p) => p.id.startsWith(id));
      if (!sandbox) { io.error(`lite crictl inspect: no container or sandbox with ID ${id}`); return 1; }
      io.log(JSON.stringify(await cri.podSandboxStatus(sandbox.id), null, 2));
      return 0;
    }
    default:
      io.error(`lite crictl: unknown command ${JSON.stringify(command)} (ps, pods, images, logs, inspect, version; see lite crictl --help)`);
      return 2;
  }
}

export async function runCrictlCommand(argv: string[], io: CommandIo): Promise<number> {
  const values = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-d" || arg === "--data-dir") {
      const value = argv[++i];
      if (value === undefined) { io.error(`lite crictl: flag ${arg} needs a value`); return 2; }
      values.set("data-dir", [value]);
    } else if (arg.startsWith("--data-dir=")) values.set("data-dir", [arg.slice("--data-dir=".length)]);
    else rest.push(arg);
  }
  const [command, ...args] = rest;
  if (!command || command === "-h" || command === "--help" || command === "help") {
    io.log(CRICTL_HELP);
    return command ? 0 : 2;
  }
  const found = await liteContainerdSocket(dataDirOf(values));
  if ("error" in found) { io.error(`lite crictl: ${found.error}`); return 1; }
  const cri = createCriClient(`unix://${found.socket}`);
  try {
    return await run(cri, command, args, io);
  } catch (err) {
    io.error(`lite crictl ${command}: ${(err as Error).message}`);
    return 1;
  } finally {
    cri.close();
  }
}
