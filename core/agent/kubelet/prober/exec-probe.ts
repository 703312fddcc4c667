/**
 * The exec probe (upstream pkg/probe/exec over the CRI's ExecSync): exit code 0 is success, any
 * other exit code a failure; the output is stdout then stderr, at most 10 KiB. A runtime
 * DeadlineExceeded is the probe timing out: a failure `command "sh -c ..." timed out`. Any
 * other runtime error is a prober error (`rpc error: code = ... desc = ...`).
 */
import { GrpcCode, type CriClient } from "../../cri/types.ts";
import { expandVars } from "../spec/expansion.ts";
import { rpcErrorText } from "./grpc-status.ts";
import { MAX_PROBE_OUTPUT_BYTES, type ProbeOutcome } from "./probe-types.ts";

export async function execProbe(cri: CriClient, containerId: string, command: string[], timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    const res = await cri.execSync(containerId, command, timeoutSeconds);
    return { result: res.exitCode === 0 ? "success" : "failure", output: combinedOutput(res.stdout, res.stderr) };
  } catch (err) {
    const e = err as { code?: unknown; details?: unknown; message?: string };
    if (e?.code === GrpcCode.DEADLINE_EXCEEDED) return { result: "failure", output: `command ${JSON.stringify(command.join(" "))} timed out` };
    const error = typeof e?.code === "number" ? rpcErrorText(e.code, String(e.details ?? e.message ?? "")) : (e?.message ?? String(err));
    return { result: "unknown", output: "", error };
  }
}

/** stdout then stderr (as the kubelet's RunInContainer), cut at 10 KiB. */
export function combinedOutput(stdout: Uint8Array, stderr: Uint8Array): string {
  const all = new Uint8Array(stdout.length + stderr.length);
  all.set(stdout, 0);
  all.set(stderr, stdout.length);
  return new TextDecoder().decode(all.subarray(0, MAX_PROBE_OUTPUT_BYTES));
}

/**
 * `$(VAR)` expansion of an exec probe's command with the container's literal env values only
 * (upstream ExpandContainerCommandOnlyStatic: valueFrom variables expand to "").
 */
export function expandStatic(arg: string, env: { name: string; value?: string }[] | undefined): string {
  return expandVars(arg, new Map((env ?? []).map((e) => [e.name, e.value ?? ""])));
}
