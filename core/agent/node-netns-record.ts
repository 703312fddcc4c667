import { readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import type { AgentPaths } from "./paths.ts";

/**
 * Which network namespace the node agent of a data dir ran in, so that `lite killall` can tell the
 * node-level devices and nftables tables it created (cni0, flannel.1, lite-* tables) from another
 * instance's after lite stopped cleanly and nothing of it is alive to point at that namespace.
 * The record is the namespace's identity as /proc shows it (`net:[<inode>]`).
 */
export function nodeNetnsRecordFile(paths: AgentPaths): string {
  return `${paths.root}/node-netns`;
}

/** The caller's network namespace identity, e.g. `net:[4026531840]`. */
export function ownNetnsIdentity(): string {
  return readlinkSync("/proc/self/ns/net");
}

/** Written by the node agent at start (every start: a restart in another namespace moves it). */
export function recordNodeNetns(paths: AgentPaths): void {
  writeFileSync(nodeNetnsRecordFile(paths), `${ownNetnsIdentity()}\n`, { mode: 0o600 });
}

/** True when the record exists and names the caller's own network namespace. */
export function recordedNetnsIsOwn(paths: AgentPaths): boolean {
  try {
    return readFileSync(nodeNetnsRecordFile(paths), "utf8").trim() === ownNetnsIdentity();
  } catch {
    return false;
  }
}

export function forgetNodeNetns(paths: AgentPaths): void {
  rmSync(nodeNetnsRecordFile(paths), { force: true });
}
