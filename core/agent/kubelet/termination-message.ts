/**
 * A terminated container's message, as upstream's kubelet finds it (kuberuntime_container.go
 * getTerminationMessage / readLastStringFromContainerLogs): the file the container wrote at its
 * terminationMessagePath (at most 4096 bytes), or — with policy FallbackToLogsOnError, a non-zero
 * exit and an empty file — the last 80 lines (at most 2048 bytes) of its log.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { ContainerStatus } from "../cri/types.ts";
import { TERMINATION_MESSAGE_PATH_ANNOTATION, TERMINATION_MESSAGE_POLICY_ANNOTATION } from "./spec/labels.ts";

const MAX_MESSAGE_BYTES = 4096;
const FALLBACK_LINES = 80;
const FALLBACK_BYTES = 2048;

function readTail(path: string, maxBytes: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf.toString("utf8");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The content of CRI log lines (`<time> <stream> <F|P> <text>`), partial lines joined. */
function logContent(text: string): string {
  let out = "";
  for (const line of text.split("\n")) {
    const m = /^\S+ (?:stdout|stderr) ([FP]) (.*)$/.exec(line);
    if (m) out += m[2] + (m[1] === "F" ? "\n" : "");
  }
  return out;
}

export function terminationMessage(status: ContainerStatus): string {
  const path = status.annotations[TERMINATION_MESSAGE_PATH_ANNOTATION];
  const mount = path ? status.mounts.find((m) => m.containerPath === path) : undefined;
  const fromFile = mount ? readTail(mount.hostPath, MAX_MESSAGE_BYTES) : "";
  if (fromFile || status.annotations[TERMINATION_MESSAGE_POLICY_ANNOTATION] !== "FallbackToLogsOnError" || status.exitCode === 0 || !status.logPath) return fromFile;
  // Generous read of the raw log, then the last lines and bytes of what the container printed.
  // The last lines keep their own newlines: output that ends without one (`printf DONE`) gives "DONE".
  const content = logContent(readTail(status.logPath, 64 * 1024));
  const tail = content.split("\n").slice(-(FALLBACK_LINES + (content.endsWith("\n") ? 1 : 0))).join("\n");
  const bytes = Buffer.from(tail);
  return bytes.length > FALLBACK_BYTES ? bytes.subarray(bytes.length - FALLBACK_BYTES).toString("utf8") : tail;
}
