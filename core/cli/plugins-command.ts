import { adminSocketPath } from "../admin/admin-server.ts";
import { ConfigError } from "../config/config-error.ts";
import type { PluginStatus } from "../host/plugin-status.ts";

export const PLUGINS_HELP = `lite plugins - show the state of every plugin of a running lite

USAGE: lite plugins [flags]

FLAGS:
  -d, --data-dir value   Data dir of the running lite (default: /var/lib/lite; $LITE_DATA_DIR)
  -o, --output value     table or json (default: table)
  -h, --help             Show this help

Reads the admin endpoint at <data-dir>/admin.sock.`;

/** `lite plugins`: prints a table (or JSON) of plugin status read from the admin endpoint. */
export async function pluginsCommand(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  let dataDir = env.LITE_DATA_DIR || "/var/lib/lite";
  let output = "table";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [key, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ConfigError(`flag ${key} needs a value`);
      return v;
    };
    if (key === "-h" || key === "--help") {
      console.log(PLUGINS_HELP);
      return 0;
    } else if (key === "-d" || key === "--data-dir") dataDir = value();
    else if (key === "-o" || key === "--output") {
      output = value();
      if (output !== "table" && output !== "json") throw new ConfigError(`--output: expected table or json, got ${JSON.stringify(output)}`);
    } else throw new ConfigError(`unknown flag ${key} (see lite plugins --help)`);
  }
  const socket = adminSocketPath(dataDir);
  let body: { items: PluginStatus[] };
  try {
    const res = await fetch("http://lite/plugins", { unix: socket, signal: AbortSignal.timeout(5000) });
    body = (await res.json()) as { items: PluginStatus[] };
  } catch {
    console.error(`lite plugins: no running lite answers at ${socket} (is lite running with --data-dir ${dataDir}?)`);
    return 1;
  }
  if (output === "json") {
    console.log(JSON.stringify(body, null, 2));
    return 0;
  }
  console.log(renderTable(body.items));
  return 0;
}

export function renderTable(items: PluginStatus[]): string {
  const rows = [["PLUGIN", "ROLE", "STATE", "SINCE", "SOURCE", "MESSAGE"]];
  for (const s of items) {
    rows.push([s.id, s.role, s.state, s.since ? age(s.since) : "-", s.source, s.lastError ?? s.message ?? ""]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]! + 3))).join("").trimEnd()).join("\n");
}

function age(since: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h`;
}
