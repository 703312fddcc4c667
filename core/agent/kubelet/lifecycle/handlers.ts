/**
 * Runs one lifecycle hook handler (upstream pkg/kubelet/lifecycle/handlers.go):
 * - exec: the command through the CRI's ExecSync; a non-zero exit fails;
 * - httpGet: a GET as the probes make it (User-Agent kube-lifecycle/1.32, no certificate
 *   verification, same-host redirects); any HTTP response succeeds, whatever its status, as
 *   upstream; an HTTPS hook answered in plain HTTP is retried over HTTP (event
 *   LifecycleHTTPFallback);
 * - sleep: waits `seconds`;
 * - tcpSocket is not a supported hook action (the API keeps it only for compatibility): it fails.
 * The message of a failure is upstream's (`Exec lifecycle hook ([cmd]) for Container "c" in Pod
 * "name_ns(uid)" failed - error: ..., message: "..."`). Never rejects.
 *
 * `timeoutSeconds` (0: none, as upstream) bounds exec and HTTP; `signal` (the container is being
 * killed) cuts a sleep short, which then fails.
 */
import type { CriClient } from "../../cri/types.ts";
import { podFullName, type ContainerSpec, type Pod } from "../pod-types.ts";
import type { ProbeTarget } from "../ports.ts";
import { combinedOutput } from "../prober/exec-probe.ts";
import { rpcErrorText } from "../prober/grpc-status.ts";
import { buildHttpGetRequest, hostPortOf, httpGet } from "../prober/http-get.ts";
import type { LifecycleHandler } from "../prober/probe-types.ts";
import type { RecordEvent } from "../prober/run-probe.ts";
import { GrpcCode } from "../../cri/types.ts";

export interface HookTarget extends ProbeTarget { pod: Pod; container: ContainerSpec }
export interface HandlerDeps { cri: CriClient; recordEvent?: RecordEvent; signal?: AbortSignal }
export interface HandlerOutcome { ok: boolean; message: string }

export async function runHandler(handler: LifecycleHandler, target: HookTarget, deps: HandlerDeps, timeoutSeconds = 0): Promise<HandlerOutcome> {
  const where = `for Container ${JSON.stringify(target.container.name)} in Pod ${JSON.stringify(podFullName(target.pod))}`;
  if (handler.exec) {
    const command = handler.exec.command ?? [];
    const err = await runExec(deps.cri, target.containerId, command, timeoutSeconds);
    return err ? { ok: false, message: `Exec lifecycle hook ([${command.join(" ")}]) ${where} failed - error: ${err.error}, message: ${JSON.stringify(err.output)}` } : { ok: true, message: "" };
  }
  if (handler.httpGet) {
    const error = await runHttp(handler, target, deps, timeoutSeconds);
    return error ? { ok: false, message: `HTTP lifecycle hook (${handler.httpGet.path ?? ""}) ${where} failed - error: ${error}` } : { ok: true, message: "" };
  }
  if (handler.sleep) {
    const finished = await sleep(handler.sleep.seconds * 1000, deps.signal);
    return finished ? { ok: true, message: "" } : { ok: false, message: `Sleep lifecycle hook (${handler.sleep.seconds}) ${where} failed - error: container terminated before sleep hook finished` };
  }
  return { ok: false, message: `Cannot run handler: invalid handler: ${JSON.stringify(handler)}` };
}

/** The error of an exec hook (undefined on success), as the CRI client's ExecSync reports it upstream. */
async function runExec(cri: CriClient, containerId: string, command: string[], timeoutSeconds: number): Promise<{ error: string; output: string } | undefined> {
  try {
    const res = await cri.execSync(containerId, command, timeoutSeconds);
    if (res.exitCode === 0) return undefined;
    return { error: `command '${command.join(" ")}' exited with ${res.exitCode}: ${new TextDecoder().decode(res.stderr)}`, output: combinedOutput(res.stdout, res.stderr) };
  } catch (err) {
    const e = err as { code?: unknown; details?: unknown; message?: string };
    if (e?.code === GrpcCode.DEADLINE_EXCEEDED) return { error: `command ${JSON.stringify(command.join(" "))} timed out`, output: "" };
    return { error: typeof e?.code === "number" ? rpcErrorText(e.code, String(e.details ?? e.message ?? "")) : (e?.message ?? String(err)), output: "" };
  }
}

/** The error of an httpGet hook, undefined on any HTTP response. */
async function runHttp(handler: LifecycleHandler, target: HookTarget, deps: HandlerDeps, timeoutSeconds: number): Promise<string | undefined> {
  const action = handler.httpGet!;
  if (!action.host && !target.podIP) return "failed to find networking container: the pod has no IP";
  let req;
  try {
    req = buildHttpGetRequest(action, target.container, target.podIP ?? "", "lifecycle");
  } catch (err) {
    return (err as Error).message;
  }
  const opts = { timeoutMs: timeoutSeconds * 1000, signal: deps.signal, readBody: false };
  const res = await httpGet(req, opts);
  if (res.ok) return undefined;
  if (res.tls && req.url.protocol === "https:") {
    // Upstream retries an HTTPS hook that got a plain-HTTP answer over HTTP, without credentials.
    const url = new URL(`http://${hostPortOf(req.url)}${req.url.pathname}${req.url.search}`); // same port
    const retry = await httpGet({ ...req, url, headers: req.headers.filter(([n]) => n !== "Authorization") }, opts);
    if (retry.ok) {
      try {
        deps.recordEvent?.(target.pod, "Warning", "LifecycleHTTPFallback", `request to HTTPS lifecycle hook ${hostPortOf(url)} got HTTP response, retry with HTTP succeeded`);
      } catch { /* events are best effort */ }
      return undefined;
    }
  }
  return res.error;
}

/** Resolves true after `ms`, false when `signal` fires first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => { clearTimeout(timer); resolve(false); };
    const timer = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(true); }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
