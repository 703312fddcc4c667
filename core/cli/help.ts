import type { Command, FlagSpec } from "../config/flags.ts";
import { flagsFor, isLater } from "../config/flags.ts";

const SUMMARIES: Record<Command, string> = {
  server: "Run a lite server: datastore, API server, controllers, plugins and (unless --disable-agent) an embedded agent",
  agent: "Run a lite agent: join a server and run pods on this node",
};

/** `lite <command> --help`: every flag with its value kind, default and environment variables. */
export function commandHelp(command: Command): string {
  const flags = flagsFor(command);
  const lines = [`lite ${command} - ${SUMMARIES[command]}`, "", `USAGE: lite ${command} [flags]`, "", "FLAGS:"];
  const left = (f: FlagSpec) => {
    const value = f.type.schema.expects === "boolean" ? "" : ` ${f.type.list ? "value[,value]" : "value"}`;
    return `  ${f.short ? `-${f.short}, ` : "    "}--${f.name}${value}`;
  };
  const width = Math.max(...flags.map((f) => left(f).length)) + 2;
  for (const flag of flags) {
    const def = flag.defaultText ?? formatDefault(flag.default);
    const extras = [
      def !== undefined ? `default: ${def}` : undefined,
      flag.env.length ? `$${flag.env.join(", $")}` : undefined,
      isLater(flag, command) ? `not implemented yet: ${flag.later}` : undefined,
    ].filter(Boolean);
    lines.push(`${left(flag).padEnd(width)}${flag.usage}${extras.length ? ` (${extras.join("; ")})` : ""}`);
  }
  lines.push(`  -h, --help`.padEnd(width) + "Show this help");
  lines.push("", "Flags win over environment variables, which win over the config file (keys are the flag names).");
  return lines.join("\n");
}

function formatDefault(value: FlagSpec["default"]): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length ? value.join(",") : undefined;
  return String(value);
}

export const TOP_HELP = `lite - a lightweight Kubernetes distribution

USAGE: lite <command> [flags]

COMMANDS:
  server     Run a server (control plane, plugins, embedded agent)
  agent      Run an agent that joins a server
  kubectl    Run kubectl against this cluster (uses /etc/lite/lite.yaml when KUBECONFIG is unset)
  plugins    Show the state of every plugin of a running lite (reads its admin endpoint)
  token      Bootstrap tokens and the server token (lite token create|list|delete|rotate)
  certificate      Check or rotate the server's certificates (lite certificate check|rotate)
  secrets-encrypt  Secrets encryption at rest of a running server (status|rotate-keys)
  images           Images in lite's containerd (lite images ls|import FILE...)
  ctr              containerd's ctr against lite's containerd (namespace k8s.io)
  crictl           crictl for lite's containerd: ps, pods, images, inspect, exec, logs, stats, rmi, ...
  killall          Stop everything lite started on this node (containers, containerd, network, mounts)
  cluster          Local multi-node clusters in network namespaces (lite cluster create|list|stop-node|start-node|delete)
  version    Print the version

FLAGS:
  -v, --version   Print the version
  -h, --help      Show this help

Run 'lite <command> --help' for a command's flags.`;
