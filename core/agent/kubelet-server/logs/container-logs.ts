/**
 * `GET /containerLogs/{namespace}/{pod}/{container}`: the kubelet's log endpoint. Picks the log file
 * as upstream's kubelet picks the container instance (`validateContainerLogStatus`): the running
 * one, else the last terminated one; `previous` asks for the instance before the current one.
 */
import { stat } from "node:fs/promises";
import type { PodRuntimeView, RuntimeContainer, RuntimePod } from "../pod-runtime-view.ts";
import { streamBody, textError } from "../responses.ts";
import { parseContainerLogQuery, sinceOf } from "./log-query.ts";
import { readCriLog } from "./log-reader.ts";

export interface ContainerLogTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

export async function serveContainerLogs(url: URL, target: ContainerLogTarget, pods: PodRuntimeView): Promise<Response> {
  const { namespace, pod: podName, container: name } = target;
  if (!namespace) return textError(400, "missing podNamespace.");
  if (!podName) return textError(400, "missing podID.");
  if (!name) return textError(400, "missing container name.");
  const parsed = parseContainerLogQuery(url.searchParams);
  if (!parsed.ok) return textError(parsed.status, parsed.message);
  const query = parsed.query;

  const rp = pods.get(namespace, podName);
  if (!rp) return textError(404, `pod "${podName}" does not exist`);
  if (!specHasContainer(rp, name)) return textError(404, `container "${name}" not found in pod "${podName}"`);
  const picked = pickLogFile(rp, name, podName, query.previous);
  if ("error" in picked) return textError(400, picked.error);
  const exists = await stat(picked.path).then(() => true, () => false);
  if (!exists) return textError(400, `failed to open log file "${picked.path}": no such file or directory`);

  const following = query.follow && picked.current;
  const id = picked.containerId;
  const stillRunning = () => {
    const c = pods.get(namespace, podName)?.containers.find((x) => x.name === name);
    return c !== undefined && c.containerId === id && c.state === "running";
  };
  const abort = new AbortController();
  const chunks = readCriLog(picked.path, {
    tailLines: query.tailLines,
    sinceMs: sinceOf(query),
    timestamps: query.timestamps,
    limitBytes: query.limitBytes,
    follow: following ? stillRunning : undefined,
    signal: abort.signal,
  });
  return new Response(streamBody(chunks, abort), { headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

function specHasContainer(rp: RuntimePod, name: string): boolean {
  const spec = (rp.pod.spec ?? {}) as Record<string, { name?: string }[] | undefined>;
  return ["containers", "initContainers", "ephemeralContainers"].some((k) => spec[k]?.some((c) => c.name === name));
}

type Picked = { path: string; containerId?: string; current: boolean } | { error: string };

/** The log file to read, or upstream's message for why there is none. */
export function pickLogFile(rp: RuntimePod, name: string, podName: string, previous: boolean): Picked {
  const c: RuntimeContainer | undefined = rp.containers.find((x) => x.name === name);
  const who = `container "${name}" in pod "${podName}"`;
  if (!c) return { error: `${who} is not available` };
  const last = c.previousLogPath ? { path: c.previousLogPath, current: false } : undefined;
  if (previous) return last ?? { error: `previous terminated ${who} not found` };
  if (c.state === "running" && c.logPath) return { path: c.logPath, containerId: c.containerId, current: true };
  if (c.state === "terminated") {
    if (c.logPath) return { path: c.logPath, containerId: c.containerId, current: false };
    return last ?? { error: `${who} is terminated` };
  }
  if (last) return last; // waiting to restart (e.g. CrashLoopBackOff): the last instance's logs
  switch (c.waitingReason) {
    case "ErrImagePull": return { error: `${who} is waiting to start: image can't be pulled` };
    case "ImagePullBackOff": return { error: `${who} is waiting to start: trying and failing to pull image` };
    default: return { error: `${who} is waiting to start: ${c.waitingReason ?? "ContainerCreating"}` };
  }
}
