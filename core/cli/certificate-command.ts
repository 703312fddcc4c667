import { adminSocketPath } from "../admin/admin-server.ts";
import { ConfigError } from "../config/config-error.ts";
import { checkCertificates, LEAF_SERVICES, rotateLeafCertificates, type CertificateStatus } from "../pki/index.ts";
import { parseSubcommandArgs } from "./subcommand-args.ts";
import { formatTime } from "../kube-time.ts";

export const CERTIFICATE_HELP = `lite certificate - check and rotate the server's certificates

USAGE:
  lite certificate check  [-d DATA_DIR] [-o table|json]
  lite certificate rotate [-d DATA_DIR] [--service NAME[,NAME]...]

FLAGS:
  -d, --data-dir value   Data dir of the server (default: /var/lib/lite; $LITE_DATA_DIR)
  -o, --output value     check: table or json (default: table)
      --service value    rotate: only these (repeatable or comma-separated): ${Object.keys(LEAF_SERVICES).join(", ")}
  -h, --help             Show this help

check lists every certificate in <data-dir>/server/tls with its expiry. rotate backs that directory
up to <data-dir>/server/tls-<unix time>, then re-issues the leaf certificates (new keys, same CAs,
valid 365 days). Stop lite server first: it reads its certificates at start (leaves within 90 days
of expiry are also renewed automatically then). CAs are not rotated.`;

/** `lite certificate check|rotate`. */
export async function certificateCommand(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const args = parseSubcommandArgs(argv, [{ name: "data-dir", short: "d" }, { name: "output", short: "o" }, { name: "service", list: true }], "lite certificate --help");
  const [sub, ...extra] = args.positionals;
  if (args.help || sub === undefined) {
    console.log(CERTIFICATE_HELP);
    return args.help ? 0 : 2;
  }
  if (extra.length) throw new ConfigError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const dataDir = args.values.get("data-dir")?.[0] ?? (env.LITE_DATA_DIR || "/var/lib/lite");
  const tlsDir = `${dataDir}/server/tls`;
  switch (sub) {
    case "check": {
      const output = args.values.get("output")?.[0] ?? "table";
      if (output !== "table" && output !== "json") throw new ConfigError(`--output: expected table or json, got ${JSON.stringify(output)}`);
      const certs = await checkCertificates(tlsDir).catch((err) => {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`no certificates in ${tlsDir} (has lite server run with --data-dir ${dataDir}?)`);
        throw err;
      });
      console.log(output === "json" ? JSON.stringify(certs.map(toJson), null, 2) : renderTable(certs));
      return certs.some((c) => c.status === "EXPIRED") ? 1 : 0;
    }
    case "rotate": {
      if (await serverRunning(dataDir)) {
        console.error(`lite certificate rotate: lite server is running with --data-dir ${dataDir}; stop it first (it reads its certificates at start)`);
        return 1;
      }
      const outcome = await rotateLeafCertificates(tlsDir, args.values.get("service") ?? []);
      console.log(`backed up ${tlsDir} to ${outcome.backupDir}`);
      for (const file of outcome.rotated) console.log(`rotated ${file}`);
      console.log("start lite server to use the new certificates");
      return 0;
    }
    default:
      throw new ConfigError(`unknown subcommand ${JSON.stringify(sub)} (lite certificate check|rotate)`);
  }
}

function toJson(c: CertificateStatus) {
  return {
    file: c.file, subject: c.info.subject, issuer: c.info.issuer.commonName, isCA: c.info.isCA,
    notBefore: c.info.notBefore.toISOString(), notAfter: c.info.notAfter.toISOString(), daysLeft: c.daysLeft, status: c.status,
  };
}

export function renderTable(certs: readonly CertificateStatus[]): string {
  const rows = [["FILENAME", "SUBJECT", "ISSUER", "CA", "EXPIRES", "DAYS LEFT", "STATUS"]];
  for (const c of certs) {
    const subject = [c.info.subject.commonName, ...c.info.subject.organizations.map((o) => `O=${o}`)].join(",");
    rows.push([c.file, subject, c.info.issuer.commonName, c.info.isCA ? "yes" : "no", formatTime(c.info.notAfter), String(c.daysLeft), c.status]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]! + 3))).join("")).join("\n");
}

async function serverRunning(dataDir: string): Promise<boolean> {
  try {
    const res = await fetch("http://lite/healthz", { unix: adminSocketPath(dataDir), signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}
