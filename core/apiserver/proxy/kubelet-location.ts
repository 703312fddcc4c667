/**
 * Where a pod's streams are served: the kubelet of the pod's node, at the node's preferred address
 * (InternalIP, then ExternalIP, then Hostname, as K3s configures --kubelet-preferred-address-types)
 * and `status.daemonEndpoints.kubeletEndpoint.Port` (10250 when unset), and the kubelet path and
 * query a pod subresource request becomes (upstream pkg/registry/core/pod/strategy.go
 * LogLocation/ExecLocation/AttachLocation/PortForwardLocation).
 */
import { queryBool } from "../request/query-bool.ts";
import { apiErrors, fieldErrors, type FieldError } from "../errors/index.ts";
import type { KObject } from "../resources/index.ts";
import { formatTime } from "../../kube-time.ts";

const PREFERRED_ADDRESS_TYPES = ["InternalIP", "ExternalIP", "Hostname"];
export const DEFAULT_KUBELET_PORT = 10250;

/** `https://host:port` of a node's kubelet. Throws (500) when the node has no usable address. */
export function kubeletBaseUrl(node: KObject): string {
  const addresses: { type?: string; address?: string }[] = node.status?.addresses ?? [];
  let host: string | undefined;
  for (const type of PREFERRED_ADDRESS_TYPES) {
    host = addresses.find((a) => a.type === type && a.address)?.address;
    if (host) break;
  }
  if (!host) {
    const known = addresses.map((a) => `{${a.type} ${a.address}}`).join(" ");
    throw apiErrors.internal(new Error(`no preferred addresses found; known addresses: [${known}]`));
  }
  const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0);
  return `https://${host.includes(":") ? `[${host}]` : host}:${port > 0 ? port : DEFAULT_KUBELET_PORT}`;
}

interface ContainerLike { name: string }

function names(list: unknown): string[] {
  return Array.isArray(list) ? (list as ContainerLike[]).map((c) => c.name) : [];
}

function hasContainer(pod: KObject, name: string): boolean {
  const spec = pod.spec ?? {};
  return [spec.containers, spec.initContainers, spec.ephemeralContainers].some((l) => names(l).includes(name));
}

/**
 * The container a request is about: the one named (which must exist) or the pod's only container.
 * `forLogs` lists every container kind in the error, as upstream's logs path does; the streaming
 * paths list containers and then init containers separately.
 */
export function chooseContainer(pod: KObject, requested: string, forLogs: boolean): string {
  const podName = pod.metadata.name ?? "";
  if (requested) {
    if (!hasContainer(pod, requested)) throw apiErrors.badRequest(`container ${requested} is not valid for pod ${podName}`);
    return requested;
  }
  const containers = names(pod.spec?.containers);
  if (containers.length === 1) return containers[0]!;
  if (containers.length === 0) throw apiErrors.badRequest(`a container name must be specified for pod ${podName}`);
  const init = names(pod.spec?.initContainers);
  if (forLogs) {
    const all = [...init, ...containers, ...names(pod.spec?.ephemeralContainers)];
    throw apiErrors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${all.join(" ")}]`);
  }
  let msg = `a container name must be specified for pod ${podName}, choose one of: [${containers.join(" ")}]`;
  if (init.length) msg += ` or one of the init containers: [${init.join(" ")}]`;
  throw apiErrors.badRequest(msg);
}

export { queryBool };

function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^-?\d+$/.test(v)) throw apiErrors.badRequest(`${name}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

const encode = encodeURIComponent;

/** Sorted key=value pairs, as Go's url.Values.Encode writes them. */
function encodeQuery(params: [string, string][]): string {
  return params
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join("&");
}

/** The kubelet path (with query) of a pod `log`, `exec`, `attach` or `portforward` request. */
export function kubeletPathFor(subresource: string, pod: KObject, q: URLSearchParams): string {
  const ns = encode(pod.metadata.namespace ?? "");
  const name = encode(pod.metadata.name ?? "");
  switch (subresource) {
    case "log": {
      const container = chooseContainer(pod, q.get("container") ?? "", true);
      const query = encodeQuery(logParams(pod.metadata.name ?? "", q));
      return `/containerLogs/${ns}/${name}/${encode(container)}${query ? `?${query}` : ""}`;
    }
    case "exec":
    case "attach": {
      const container = chooseContainer(pod, q.get("container") ?? "", false);
      const params: [string, string][] = [];
      if (queryBool(q, "stdin")) params.push(["input", "1"]);
      if (queryBool(q, "stdout")) params.push(["output", "1"]);
      if (queryBool(q, "stderr")) params.push(["error", "1"]);
      if (queryBool(q, "tty")) params.push(["tty", "1"]);
      if (subresource === "exec") for (const c of q.getAll("command")) params.push(["command", c]);
      const query = encodeQuery(params);
      return `/${subresource}/${ns}/${name}/${encode(container)}${query ? `?${query}` : ""}`;
    }
    case "portforward": {
      const query = encodeQuery(q.getAll("ports").flatMap((v) => v.split(",")).filter(Boolean).map((p) => ["port", p.trim()]));
      return `/portforward/${ns}/${name}${query ? `?${query}` : ""}`;
    }
  }
  throw apiErrors.pathNotFound();
}

/** PodLogOptions from the query, validated as upstream (422 PodLogOptions invalid), as kubelet params. */
function logParams(podName: string, q: URLSearchParams): [string, string][] {
  const tailLines = queryInt(q, "tailLines");
  const limitBytes = queryInt(q, "limitBytes");
  const sinceSeconds = queryInt(q, "sinceSeconds");
  const sinceTimeText = q.get("sinceTime");
  let sinceTime: number | undefined;
  if (sinceTimeText !== null) {
    sinceTime = Date.parse(sinceTimeText);
    if (Number.isNaN(sinceTime)) throw apiErrors.badRequest(`sinceTime: parsing time ${JSON.stringify(sinceTimeText)} as RFC3339 failed`);
  }
  const errs: FieldError[] = [];
  if (tailLines !== undefined && tailLines < 0) errs.push(fieldErrors.invalid("tailLines", tailLines, "must be greater than or equal to 0"));
  if (limitBytes !== undefined && limitBytes < 1) errs.push(fieldErrors.invalid("limitBytes", limitBytes, "must be greater than 0"));
  if (sinceSeconds !== undefined && sinceTime !== undefined) errs.push(fieldErrors.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
  else if (sinceSeconds !== undefined && sinceSeconds < 1) errs.push(fieldErrors.invalid("sinceSeconds", sinceSeconds, "must be greater than 0"));
  if (errs.length) throw apiErrors.invalid("", "PodLogOptions", podName, errs);

  const params: [string, string][] = [];
  if (queryBool(q, "follow")) params.push(["follow", "true"]);
  if (queryBool(q, "previous")) params.push(["previous", "true"]);
  if (queryBool(q, "timestamps")) params.push(["timestamps", "true"]);
  if (sinceSeconds !== undefined) params.push(["sinceSeconds", String(sinceSeconds)]);
  if (sinceTime !== undefined) params.push(["sinceTime", formatTime(sinceTime)]);
  if (tailLines !== undefined) params.push(["tailLines", String(tailLines)]);
  if (limitBytes !== undefined) params.push(["limitBytes", String(limitBytes)]);
  return params;
}
