/**
 * `exec [-i] [-t] [-s] CONTAINER CMD...`. Without -s, like crictl: CRI Exec, then the runtime's
 * streaming URL over SPDY/3.1 (`v4.channel.k8s.io`, streams error/stdin/stdout/stderr/resize as
 * client-go opens them); -t puts the local terminal in raw mode and forwards its size. With -s:
 * CRI ExecSync, printing stdout and stderr as crictl does. The command's exit code becomes ours.
 */
import { connectSpdy } from "../../agent/streaming/spdy/connect.ts";
import { translateV4Status } from "../../agent/streaming/exec-status.ts";
import { callOr, CrictlFailure, type CrictlContext } from "./client.ts";
import { FlagError, parseFlags } from "./flags.ts";

const EXEC_FLAGS = [
  { name: "sync", short: "s", kind: "bool" as const }, { name: "timeout", kind: "int" as const },
  { name: "tty", short: "t", kind: "bool" as const }, { name: "interactive", short: "i", kind: "bool" as const },
];

/** The exit code in a v4 error-stream Status ("" and Success: 0). */
export function exitCodeOf(errorStream: string): { code: number; message?: string } {
  const status = translateV4Status(errorStream);
  if (status.status === "Success") return { code: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  if (cause) return { code: Number(cause.message), message: `command terminated with exit code ${cause.message}` };
  return { code: 1, message: status.message ?? "exec failed" };
}

export async function exec(ctx: CrictlContext, argv: string[]): Promise<number> {
  const f = parseFlags(argv, EXEC_FLAGS, true);
  const [id, ...cmd] = f.positionals;
  if (!id || cmd.length === 0) throw new FlagError("exec needs a CONTAINER-ID and a COMMAND");
  const timeout = f.int("timeout") ?? 0;
  if (f.bool("sync")) {
    const r: { stdout: Uint8Array; stderr: Uint8Array; exitCode: number } = await callOr(`execing command in container ${id} synchronously`,
      () => ctx.cri.call("RuntimeService", "ExecSync", { containerId: id, cmd, timeout }, timeout > 0 ? timeout * 1000 + 120_000 : 0));
    ctx.out(Buffer.concat([Buffer.from(r.stdout), Buffer.from("\n"), Buffer.from(r.stderr), Buffer.from("\n")]));
    if (r.exitCode !== 0) ctx.err("non-zero exit code\n");
    return r.exitCode;
  }
  const tty = f.bool("tty");
  const stdin = f.bool("interactive");
  if (tty && !stdin) throw new FlagError("tty=true must be specified with interactive=true");
  if (tty && !process.stdin.isTTY) throw new CrictlFailure(`execing command in container ${id}: input is not a terminal`);
  const url = await callOr(`execing command in container ${id}`,
    async () => (await ctx.cri.call<{ url: string }>("RuntimeService", "Exec", { containerId: id, cmd, tty, stdin, stdout: true, stderr: !tty })).url);
  let result: { code: number; message?: string };
  try {
    result = await streamExec(ctx, url, { tty, stdin });
  } catch (e) {
    throw new CrictlFailure(`execing command in container ${id}: ${(e as Error).message}`);
  }
  if (result.message) ctx.err(`execing command in container ${id}: ${result.message}\n`);
  return result.code;
}

async function streamExec(ctx: CrictlContext, url: string, opts: { tty: boolean; stdin: boolean }): Promise<{ code: number; message?: string }> {
  const { promise, resolve } = Promise.withResolvers<{ code: number; message?: string }>();
  let errorText = "";
  let pending = 2 + (opts.tty ? 0 : 1);
  const decoder = new TextDecoder();
  const session = await connectSpdy(url, "v4.channel.k8s.io", { onClose: () => done() });
  const restore: (() => void)[] = [];
  let finished = false;
  function done() {
    if (finished) return;
    finished = true;
    for (const r of restore) r();
    session.close();
    resolve(exitCodeOf(errorText));
  }
  const ended = () => { if (--pending === 0) done(); };
  const error = session.openStream({ streamtype: "error" });
  error.ondata = (d) => (errorText += decoder.decode(d, { stream: true }));
  error.onend = ended;
  const input = opts.stdin ? session.openStream({ streamtype: "stdin" }) : undefined;
  const out = session.openStream({ streamtype: "stdout" });
  out.ondata = (d) => ctx.out(d);
  out.onend = ended;
  if (!opts.tty) {
    const err = session.openStream({ streamtype: "stderr" });
    err.ondata = (d) => ctx.err(d);
    err.onend = ended;
  }
  if (opts.tty) {
    const resize = session.openStream({ streamtype: "resize" });
    const sendSize = () => resize.write(new TextEncoder().encode(JSON.stringify({ Width: process.stdout.columns ?? 80, Height: process.stdout.rows ?? 24 })));
    sendSize();
    process.stdout.on("resize", sendSize);
    restore.push(() => process.stdout.off("resize", sendSize));
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(true);
      restore.push(() => process.stdin.setRawMode(false));
    }
  }
  if (input) {
    const onData = (d: Buffer) => input.write(d);
    const onEnd = () => input.end();
    process.stdin.on("data", onData);
    process.stdin.on("end", onEnd);
    process.stdin.resume();
    restore.push(() => { process.stdin.off("data", onData); process.stdin.off("end", onEnd); process.stdin.pause(); });
  }
  return promise;
}
