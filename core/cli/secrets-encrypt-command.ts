import { adminSocketPath } from "../admin/admin-server.ts";
import { ConfigError } from "../config/config-error.ts";
import type { EncryptionStatus, RotationResult } from "../secrets-encryption/index.ts";
import { parseSubcommandArgs } from "./subcommand-args.ts";

export const SECRETS_ENCRYPT_HELP = `lite secrets-encrypt - secrets encryption at rest of a running server

USAGE:
  lite secrets-encrypt status      [-d DATA_DIR] [-o text|json]
  lite secrets-encrypt rotate-keys [-d DATA_DIR]

FLAGS:
  -d, --data-dir value   Data dir of the running server (default: /var/lib/lite; $LITE_DATA_DIR)
  -o, --output value     status: text or json (default: text)
  -h, --help             Show this help

Talks to the server's admin endpoint <data-dir>/admin.sock. rotate-keys adds a new key as the
write key, re-encrypts every Secret with it while the server keeps serving, then removes the old
keys from <data-dir>/server/cred/encryption-config.json. Needs a server started with --secrets-encryption.`;

/** `lite secrets-encrypt status|rotate-keys`. */
export async function secretsEncryptCommand(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const args = parseSubcommandArgs(argv, [{ name: "data-dir", short: "d" }, { name: "output", short: "o" }], "lite secrets-encrypt --help");
  const [sub, ...extra] = args.positionals;
  if (args.help || sub === undefined) {
    console.log(SECRETS_ENCRYPT_HELP);
    return args.help ? 0 : 2;
  }
  if (extra.length) throw new ConfigError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const dataDir = args.values.get("data-dir")?.[0] ?? (env.LITE_DATA_DIR || "/var/lib/lite");
  const socket = adminSocketPath(dataDir);
  const call = async (method: string, path: string, timeoutMs: number): Promise<{ status: number; body: any }> => {
    let res: Response;
    try {
      res = await fetch(`http://lite${path}`, { method, unix: socket, signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      throw new Error(`no running lite answers at ${socket} (is lite server running with --data-dir ${dataDir}?)`);
    }
    return { status: res.status, body: await res.json().catch(() => ({})) };
  };
  switch (sub) {
    case "status": {
      const output = args.values.get("output")?.[0] ?? "text";
      if (output !== "text" && output !== "json") throw new ConfigError(`--output: expected text or json, got ${JSON.stringify(output)}`);
      const { status, body } = await call("GET", "/secrets-encrypt/status", 30_000);
      if (status !== 200) throw new Error(body.error ?? `admin endpoint answered ${status}`);
      console.log(output === "json" ? JSON.stringify(body, null, 2) : renderStatus(body as EncryptionStatus));
      return 0;
    }
    case "rotate-keys": {
      const { status, body } = await call("POST", "/secrets-encrypt/rotate-keys", 3_600_000);
      if (status !== 200) throw new Error(body.error ?? `admin endpoint answered ${status}`);
      const r = body as RotationResult;
      const rate = r.seconds > 0 ? Math.round(r.rewritten / r.seconds) : r.rewritten;
      console.log(`keys rotated: new key ${r.key}; ${r.rewritten} of ${r.scanned} secrets re-encrypted in ${r.seconds.toFixed(2)}s (${rate}/s); removed ${r.removedKeys.join(", ") || "no keys"}`);
      return 0;
    }
    default:
      throw new ConfigError(`unknown subcommand ${JSON.stringify(sub)} (lite secrets-encrypt status|rotate-keys)`);
  }
}

/** K3s-like status text. */
export function renderStatus(s: EncryptionStatus): string {
  const lines = [`Encryption Status: ${s.enabled ? "Enabled" : "Disabled"}`];
  if (!s.keys?.length) return lines.join("\n");
  lines.push(`Current Rotation Stage: ${s.stage}`, `Config: ${s.configPath}`, "", "Active  Key Type           Name", "------  --------           ----");
  for (const k of s.keys) lines.push(`${k.active ? " *" : "  "}      ${k.type.padEnd(19)}${k.name}`);
  const counts = Object.entries(s.secrets);
  if (counts.length) {
    lines.push("", "Stored Secrets by key:");
    for (const [name, n] of counts) lines.push(`  ${name}: ${n}`);
  }
  return lines.join("\n");
}
