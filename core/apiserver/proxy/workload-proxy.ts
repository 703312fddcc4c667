/**
 * pods/proxy and services/proxy: the API server itself forwards the request over HTTP(S) to a pod
 * IP, not through a kubelet (upstream pkg/registry/core/pod/strategy.go and
 * pkg/registry/core/service/storage/storage.go ResourceLocation, apimachinery's upgrade-aware
 * proxy handler and proxy transport).
 *
 * - The name in the path is `name`, `name:port` or `scheme:name:port`, scheme http or https.
 * - pods: the port given, else the pod's first declared container port, else none (port 80); the
 *   pod IP must be a global unicast address ("address not allowed" otherwise, as upstream).
 * - services: a port number is first mapped to the name of the Service port with that number; then
 *   a ready endpoint of the Service's EndpointSlices serving the port of that name (unnamed when no
 *   port was given), and backed by a pod with that IP, is chosen at random.
 * - The path after `/proxy` and the query are kept; a GET or HEAD for `.../proxy` with no path is
 *   redirected to `.../proxy/` (301), as upstream's proxyRedirectsforRootPath; other methods are
 *   forwarded to the target's root. Upgrade requests are refused.
 * - Links in HTML answers and redirect Locations are rewritten to keep the proxy prefix (html-rewrite.ts).
 * - HTTPS targets are not verified (pod IPs carry no name to verify), as upstream's proxy transport.
 * - A target that cannot be reached is a 503 "error trying to reach service: ...".
 */
import { isIPv4, isIPv6 } from "node:net";
import { apiErrors } from "../errors/index.ts";
import type { KObject } from "../resources/index.ts";
import { ipToInt } from "../allocators/cidr.ts";
import { forwardedHeaders, forwardRequest } from "./forward-request.ts";
import { rewriteProxiedResponse } from "./html-rewrite.ts";
import { readyEndpoints, servicePortName } from "./service-endpoint.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** Where a proxied request goes. */
export interface ProxyLocation {
  readonly scheme: "http" | "https";
  readonly host: string;
  /** Empty: the scheme's default port. */
  readonly port: string;
}

/** upstream utilnet.SplitSchemeNamePort: undefined when the id is not `name`, `name:port` or `scheme:name:port` with scheme "", http or https. */
export function splitSchemeNamePort(id: string): { scheme: "" | "http" | "https"; name: string; port: string } | undefined {
  const parts = id.split(":");
  let scheme = "";
  let name: string;
  let port = "";
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = parts as [string, string];
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string];
  else return undefined;
  if (!name || (scheme !== "" && scheme !== "http" && scheme !== "https")) return undefined;
  return { scheme, name, port };
}

/** The object name a proxy request is about; throws upstream's BadRequest for an invalid id. */
export function proxyTargetName(resource: "pods" | "services", id: string): string {
  const parts = splitSchemeNamePort(id);
  if (!parts) throw apiErrors.badRequest(`invalid ${resource === "pods" ? "pod" : "service"} request ${JSON.stringify(id)}`);
  return parts.name;
}

/** Go's net.IP.IsGlobalUnicast: not unspecified, loopback, link-local, multicast or the IPv4 broadcast address. */
export function isGlobalUnicast(ip: string): boolean {
  if (isIPv4(ip)) {
    const n = ipToInt(ip)!;
    const first = Math.floor(n / 2 ** 24);
    const second = Math.floor(n / 2 ** 16) % 256;
    return n !== 0 && first !== 127 && !(first === 169 && second === 254) && first < 224 && n !== 0xffffffff;
  }
  if (isIPv6(ip)) {
    const lower = ip.toLowerCase();
    if (/^(0*:)*:?0*$/.test(lower) || /^(0*:)*:?0*1$/.test(lower)) return false; // :: and ::1
    const head = parseInt(lower.startsWith("::") ? "0" : lower.split(":")[0]!, 16);
    return !(head >= 0xfe80 && head <= 0xfebf) && head < 0xff00;
  }
  return false;
}

/** upstream pod ResourceLocation for `id` (already known to name `pod`). */
export function podProxyLocation(pod: KObject, id: string): ProxyLocation {
  const { scheme, port: given } = splitSchemeNamePort(id)!;
  let port = given;
  if (!port) {
    for (const c of (pod.spec?.containers ?? []) as Json[]) {
      if (c.ports?.length) {
        port = String(c.ports[0].containerPort);
        break;
      }
    }
  }
  const podIP = String(((pod.status?.podIPs ?? []) as Json[])[0]?.ip ?? pod.status?.podIP ?? "");
  if (!isGlobalUnicast(podIP)) throw apiErrors.badRequest("address not allowed");
  return { scheme: scheme || "http", host: podIP, port };
}

/** A pod's IPs by namespace and name; undefined when there is no such pod. */
export type PodIPs = (namespace: string, name: string) => readonly string[] | undefined;

/**
 * upstream service ResourceLocation for `id` over the Service and its namespace's EndpointSlices.
 * As upstream's isValidAddress, an endpoint counts only when it names a pod of the Service's
 * namespace that holds that address (a hand-written EndpointSlice cannot point the API server at
 * other addresses).
 */
export function serviceProxyLocation(service: KObject, slices: readonly KObject[], id: string, podIPs: PodIPs): ProxyLocation {
  const { scheme, name, port: given } = splitSchemeNamePort(id)!;
  const namespace = service.metadata.namespace ?? "";
  let portName = given;
  if (/^\d+$/.test(given)) {
    try {
      portName = servicePortName(service, Number(given));
    } catch (err) {
      throw apiErrors.serviceUnavailable((err as Error).message);
    }
  }
  const candidates = readyEndpoints(slices, name, portName);
  if (candidates.length === 0) throw apiErrors.serviceUnavailable(`no endpoints available for service ${JSON.stringify(name)}`);
  const start = Math.floor(Math.random() * candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[(start + i) % candidates.length]!;
    const ref = c.targetRef;
    if (ref?.kind !== "Pod" || (ref.namespace ?? namespace) !== namespace) continue;
    if (!podIPs(namespace, String(ref.name ?? ""))?.includes(c.host)) continue;
    return { scheme: scheme || "http", host: c.host, port: String(c.port) };
  }
  throw apiErrors.serviceUnavailable(`no endpoints available for service ${JSON.stringify(id)}`);
}

/**
 * Forwards `req` to `location` + `path` (the part of the request path after `/proxy`, still
 * URL-encoded) with the request's query. Bodies stream both ways.
 */
export async function proxyToLocation(req: Request, location: ProxyLocation, path: string): Promise<Response> {
  const url = new URL(req.url);
  if (path === "" && (req.method === "GET" || req.method === "HEAD")) {
    return new Response(null, { status: 301, headers: { Location: `${url.pathname}/${url.search}` } });
  }
  if (req.headers.get("upgrade")) throw apiErrors.badRequest("upgrade requests through pods/proxy and services/proxy are not supported");
  const host = location.host.includes(":") ? `[${location.host}]` : location.host;
  const target = `${location.scheme}://${host}${location.port ? `:${location.port}` : ""}${path}${url.search}`;
  const dialed = `${host}:${location.port || (location.scheme === "https" ? "443" : "80")}`;
  const res = await forwardRequest(req, target, {
    headers: forwardedHeaders(req.headers),
    dialed,
    ...(location.scheme === "https" ? { tls: { rejectUnauthorized: false } } : {}),
  });
  // upstream wraps the pod and service proxy transport: links in the backend's answer keep the proxy prefix.
  const pathPrepend = url.pathname.slice(0, url.pathname.length - path.length);
  return rewriteProxiedResponse(res, location.port ? dialed : host, pathPrepend);
}

