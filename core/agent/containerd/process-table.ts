import { readdirSync, readFileSync } from "node:fs";

/** A process as /proc shows it; `argv` is empty for kernel threads and vanished processes. */
export interface ProcessEntry { readonly pid: number; readonly ppid: number; readonly argv: readonly string[] }

/** The argv of a live process, or undefined when it is gone (or a zombie/kernel thread). */
export function processArgv(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!raw) return undefined;
    return raw.replace(/\0$/, "").split("\0");
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number {
  try {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/** Every process of this PID namespace with a command line, read from /proc at the time of the call. */
export function listProcesses(): ProcessEntry[] {
  const out: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const argv = processArgv(pid);
    if (argv) out.push({ pid, ppid: parentPid(pid), argv });
  }
  return out;
}

/** True while `pid` exists (signal 0), including zombies not yet reaped by their parent. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Resolves when `pid` is gone or has become a zombie, or after `timeoutMs` (then false). */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid) || isZombie(pid)) return true;
    await Bun.sleep(20);
  }
  return !processAlive(pid) || isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}
