/**
 * `logs [-f] [--tail N] [--since T] [-t] [-p] [--limit-bytes N] [--stream S] [-r] CONTAINER`:
 * reads the CRI log file (`<RFC3339Nano> <stdout|stderr> <F|P> <content>` lines) the way the
 * kubelet's ReadLogs does: contents to our stdout/stderr by stream, partial (P) lines joined,
 * --timestamps prefixes each line with its time. -f follows the file until the container stops.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import type { ContainerStatus } from "../../agent/cri/types.ts";
import { parseGoDuration } from "../go-duration.ts";
import { callOr, CrictlFailure, rpcError, type CrictlContext } from "./client.ts";
import { FlagError, parseFlags } from "./flags.ts";

export interface LogLine { time: string; stream: "stdout" | "stderr"; partial: boolean; content: Buffer }

/** One CRI log line (without its newline); undefined when it is not one. */
function parseCriLogLine(line: Buffer): LogLine | undefined {
  const a = line.indexOf(0x20);
  const b = a < 0 ? -1 : line.indexOf(0x20, a + 1);
  if (b < 0) return undefined;
  const stream = line.subarray(a + 1, b).toString();
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const c = line.indexOf(0x20, b + 1);
  const tag = line.subarray(b + 1, c < 0 ? line.length : c).toString();
  return { time: line.subarray(0, a).toString(), stream, partial: tag.split(":")[0] === "P", content: c < 0 ? Buffer.alloc(0) : line.subarray(c + 1) };
}

/** crictl's parseTimestamp: a Go duration (that long ago), an RFC 3339 time, or Unix seconds. */
function parseSince(value: string, now: number): number {
  const d = parseGoDuration(value);
  if (d !== undefined) return now - d;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new FlagError(`invalid --since ${JSON.stringify(value)}: want a duration (42m), an RFC 3339 time or Unix seconds`);
  return t;
}

/** ns-precision comparison is not needed: milliseconds of an RFC3339Nano time. */
const timeMs = (t: string) => Date.parse(t);

export interface LogOptions { timestamps: boolean; sinceMs?: number; tail?: number; limitBytes?: number; stream?: "stdout" | "stderr" }

/** Renders complete log lines; returns false once --limit-bytes is reached. */
class LogPrinter {
  private written = 0;
  private pendingPartial = false;
  constructor(private readonly ctx: CrictlContext, private readonly opts: LogOptions) {}

  print(lines: Buffer[]): boolean {
    for (const raw of lines) {
      const l = parseCriLogLine(raw);
      if (!l) continue;
      if (this.opts.sinceMs !== undefined && timeMs(l.time) < this.opts.sinceMs) continue;
      if (this.opts.stream && l.stream !== this.opts.stream) continue;
      let out = l.partial ? l.content : Buffer.concat([l.content, Buffer.from("\n")]);
      if (this.opts.timestamps && !this.pendingPartial) out = Buffer.concat([Buffer.from(`${l.time} `), out]);
      this.pendingPartial = l.partial;
      if (this.opts.limitBytes !== undefined && this.opts.limitBytes >= 0) {
        const room = this.opts.limitBytes - this.written;
        if (out.length >= room) { this.emit(l.stream, out.subarray(0, room)); return false; }
      }
      this.emit(l.stream, out);
    }
    return true;
  }

  private emit(stream: string, data: Buffer) {
    this.written += data.length;
    if (stream === "stderr") this.ctx.err(data); else this.ctx.out(data);
  }
}

export async function logs(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, [{ name: "follow", short: "f", kind: "bool" }, { name: "previous", short: "p", kind: "bool" },
    { name: "reopen", short: "r", kind: "bool" }, { name: "tail", kind: "int" }, { name: "limit-bytes", kind: "int" },
    { name: "since", kind: "string" }, { name: "timestamps", short: "t", kind: "bool" }, { name: "stream", short: "s", kind: "string" }]);
  const id = f.positionals[0];
  if (!id) throw new FlagError("ID cannot be empty");
  if (f.positionals.length > 1) throw new FlagError(`logs takes one CONTAINER-ID (got ${f.positionals.length})`);
  const stream = f.string("stream");
  if (stream !== undefined && stream !== "stdout" && stream !== "stderr") throw new FlagError(`invalid stream ${JSON.stringify(stream)}, must be "stdout" or "stderr"`);
  if (f.int("tail") !== undefined && stream !== undefined) throw new FlagError("--tail and --stream are mutually exclusive");
  const since = f.string("since");
  const opts: LogOptions = { timestamps: f.bool("timestamps"), sinceMs: since ? parseSince(since, ctx.now()) : undefined,
    tail: f.int("tail"), limitBytes: f.int("limit-bytes"), stream: stream as LogOptions["stream"] };
  if (f.bool("reopen")) {
    await callOr("reopen container logs", () => ctx.cri.call("RuntimeService", "ReopenContainerLog", { containerId: id }));
    ctx.err("Container logs reopened\n");
  }
  const status = await containerStatus(ctx, id);
  let path = status.logPath;
  if (!path) throw new CrictlFailure("the container has not set log path");
  if (f.bool("previous")) {
    if (status.metadata.attempt === 0) throw new CrictlFailure(`previous terminated container ${status.metadata.name} not found`);
    path = `${path.slice(0, path.lastIndexOf("/") + 1)}${status.metadata.attempt - 1}${path.slice(path.lastIndexOf("."))}`;
  }
  if (!existsSync(path)) throw new CrictlFailure(`failed to open log file ${JSON.stringify(path)}: open ${path}: no such file or directory`);
  const printer = new LogPrinter(ctx, opts);
  let fd = openSync(path, "r");
  let offset = 0;
  let rest: Buffer = Buffer.alloc(0);
  const readNew = (): Buffer[] => {
    const chunks: Buffer[] = [rest];
    const buf = Buffer.alloc(64 * 1024);
    for (let n; (n = readSync(fd, buf, 0, buf.length, offset)) > 0;) { chunks.push(Buffer.from(buf.subarray(0, n))); offset += n; }
    const all = Buffer.concat(chunks);
    const cut = all.lastIndexOf(0x0a);
    rest = cut < 0 ? all : all.subarray(cut + 1);
    return cut < 0 ? [] : splitLines(all.subarray(0, cut));
  };
  try {
    let lines = readNew();
    if (opts.tail !== undefined && opts.tail >= 0) lines = lines.slice(Math.max(0, lines.length - opts.tail));
    if (!printer.print(lines) || !f.bool("follow") || f.bool("previous")) return 0;
    let lastCheck = ctx.now();
    for (;;) {
      await ctx.sleep(200);
      // Rotated (the kubelet renamed it and the runtime reopened a new one): read the new file from its start.
      const st = statSync(path, { throwIfNoEntry: false });
      if (st && st.size < offset) { closeSync(fd); fd = openSync(path, "r"); offset = 0; rest = Buffer.alloc(0); }
      const fresh = readNew();
      if (!printer.print(fresh)) return 0;
      if (fresh.length === 0 && ctx.now() - lastCheck >= 1000) {
        lastCheck = ctx.now();
        const s = await containerStatus(ctx, id).catch(() => undefined);
        if (!s || s.state !== "CONTAINER_RUNNING") { printer.print(readNew()); return 0; }
      }
    }
  } finally {
    closeSync(fd);
  }
}

function splitLines(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, start)) { out.push(data.subarray(start, i)); start = i + 1; }
  out.push(data.subarray(start));
  return out;
}

async function containerStatus(ctx: CrictlContext, id: string): Promise<ContainerStatus> {
  try {
    return (await ctx.cri.call<{ status: ContainerStatus }>("RuntimeService", "ContainerStatus", { containerId: id })).status;
  } catch (e) {
    throw new CrictlFailure(rpcError(e));
  }
}
