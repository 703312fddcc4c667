/**
 * A test image with a UDP-capable netcat, built offline from this machine's files: the built-in
 * busybox layer plus a layer with Debian's netcat-traditional (`nc.traditional`: -u, -l, -c) and
 * the shared libraries it links (from `ldd`, copied at the paths the loader looks for them).
 * busybox's nc has no UDP mode, so this stands in for agnhost netexec's UDP server in the
 * conformance tests: `nc.traditional -u -l -p PORT -c hostname` answers the first datagram from a
 * peer with the pod's hostname (netexec answers the "hostname" command the same way; traditional
 * netcat consumes that first datagram itself, so the request's text is not checked).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { busyboxLayerTar, DEFAULT_BUSYBOX } from "../../core/agent/images/builtin-images.ts";
import { buildOciLayout, gzipLayer } from "../../core/agent/images/oci-layout.ts";
import { writeTar, type TarEntry } from "../../core/agent/images/tar-writer.ts";
import { LITE, type LiteServer } from "./lite-process.ts";

export const NETCAT_IMAGE = "lite.test/netcat:1";
const NC = ["/usr/bin/nc.traditional", "/bin/nc.traditional"].find((p) => existsSync(p)) ?? "/bin/nc.traditional";
const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A shell loop that answers every UDP datagram on `port` with the pod's hostname. */
export const udpHostnameServer = (port: number) => `while :; do nc.traditional -u -l -p ${port} -c hostname; done`;
/** Sends one datagram to host:port and prints what comes back within a second. */
export const udpHostnameQuery = (host: string, port: number) => `echo hostname | nc.traditional -u -w 1 ${host} ${port}`;

/** The files of the netcat layer: the binary at /bin/nc.traditional and each library it loads. */
function netcatLayerTar(): Uint8Array {
  if (!existsSync(NC)) throw new Error(`${NC} not found: install Debian's netcat-traditional (scripts/setup.sh does)`);
  const ldd = spawnSync("ldd", [NC], { encoding: "utf8" });
  if (ldd.status !== 0) throw new Error(`ldd ${NC} failed: ${ldd.stderr}`);
  // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)".
  const libs = [...ldd.stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
  const files: [string, Uint8Array][] = [["bin/nc.traditional", readFileSync(NC)], ...libs.map((p): [string, Uint8Array] => [p.slice(1), readFileSync(realpathSync(p))])];
  const dirs = new Set<string>();
  for (const [name] of files) for (let i = name.indexOf("/"); i > 0; i = name.indexOf("/", i + 1)) dirs.add(name.slice(0, i));
  const entries: TarEntry[] = [
    ...[...dirs].sort().map((name): TarEntry => ({ type: "dir", name, mode: 0o755 })),
    ...files.map(([name, data]): TarEntry => ({ type: "file", name, data, mode: 0o755 })),
  ];
  return writeTar(entries);
}

/** The image as an OCI layout tar. */
export function netcatImageLayout(): Uint8Array {
  const list = spawnSync(DEFAULT_BUSYBOX, ["--list-full"], { encoding: "utf8" });
  if (list.status !== 0) throw new Error(`${DEFAULT_BUSYBOX} --list-full failed: ${list.stderr}`);
  const busybox = busyboxLayerTar(readFileSync(DEFAULT_BUSYBOX), list.stdout.split("\n").filter(Boolean));
  return buildOciLayout([{ name: NETCAT_IMAGE, config: { Env: [PATH_ENV], Cmd: ["sh"] }, layers: [gzipLayer(busybox), gzipLayer(netcatLayerTar())] }]).tar;
}

/** Imports the image into the server's containerd (`lite images import`). */
export function importNetcatImage(server: LiteServer): void {
  const dir = mkdtempSync(`${tmpdir()}/lite-netcat-image-`);
  try {
    const file = `${dir}/netcat.tar`;
    writeFileSync(file, netcatImageLayout());
    if (statSync(file).size === 0) throw new Error("empty image layout");
    const r = spawnSync(LITE, ["images", "import", file, "-d", server.dataDir], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`lite images import failed (${r.status}): ${r.stderr}${r.stdout}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
