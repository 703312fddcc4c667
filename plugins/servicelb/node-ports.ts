/**
 * The node half: finds which LoadBalancer ports a process on this node already listens on (on the
 * node IP or a wildcard address) and publishes them on the node's Node object in the annotation
 * `servicelb.lite.io/ports-in-use`, so the server half leaves the node out of those Services (where
 * K3s' svclb pod would stay Pending for want of a free host port). Reads /proc/net/{tcp,udp}{,6}
 * of the network namespace lite runs in.
 */
import { readFileSync } from "node:fs";
import { builtinResources, type ApiClient, type KubeObject, type Logger, type SharedInformerFactory, type StatusReporter } from "@lite/sdk";
import { isServiceLBService, PORTS_IN_USE_ANNOTATION, portKey, type Service } from "./load-balancer-status.ts";

export interface Listener { protocol: "TCP" | "UDP"; address: string; port: number }

/** Parses one /proc/net/{tcp,udp}{,6} table: listening TCP sockets (state 0A) and bound UDP sockets (state 07). */
export function parseProcNet(text: string, protocol: "TCP" | "UDP"): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const state = cols[3];
    if (protocol === "TCP" ? state !== "0A" : state !== "07") continue;
    const [hexAddr, hexPort] = cols[1]!.split(":");
    out.push({ protocol, address: decodeAddress(hexAddr!), port: parseInt(hexPort!, 16) });
  }
  return out;
}

/** /proc/net addresses are 32-bit words in host (little-endian) order. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [w.slice(6, 8), w.slice(4, 6), w.slice(2, 4), w.slice(0, 2)].map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join("."); // v4-mapped
  if (bytes.every((b) => b === 0)) return "::";
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(":");
}

/** The requested ports ("80/TCP") some listener holds on `nodeIP` (or on any non-loopback address when unknown). */
export function portsInUse(listeners: readonly Listener[], requested: ReadonlySet<string>, nodeIP: string | undefined): string[] {
  const hit = new Set<string>();
  for (const l of listeners) {
    const key = `${l.port}/${l.protocol}`;
    if (!requested.has(key)) continue;
    const wildcard = l.address === "0.0.0.0" || l.address === "::";
    const loopback = l.address.startsWith("127.") || l.address === "0:0:0:0:0:0:0:1";
    if (wildcard || (nodeIP ? l.address === nodeIP : !loopback)) hit.add(key);
  }
  return [...hit].sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b));
}

export function readListeners(procNet = "/proc/self/net"): Listener[] {
  const read = (f: string) => { try { return readFileSync(`${procNet}/${f}`, "utf8"); } catch { return ""; } };
  return [
    ...parseProcNet(read("tcp"), "TCP"), ...parseProcNet(read("tcp6"), "TCP"),
    ...parseProcNet(read("udp"), "UDP"), ...parseProcNet(read("udp6"), "UDP"),
  ];
}

export interface NodePortWatchOptions {
  client: ApiClient;
  informers: SharedInformerFactory;
  nodeName: string;
  nodeIP?: string;
  log: Logger;
  status: StatusReporter;
  /** How often listeners are re-read (default 2 s): a process may bind a port at any time. */
  intervalMs?: number;
  procNet?: string;
}

/** Publishes the node's taken LoadBalancer ports until `signal` fires. */
export async function watchNodePorts(options: NodePortWatchOptions, signal: AbortSignal): Promise<void> {
  const svcInformer = options.informers.informerFor<Service & KubeObject>(builtinResources.services);
  const nodeInformer = options.informers.informerFor(builtinResources.nodes, { fieldSelector: `metadata.name=${options.nodeName}` });
  let wake: () => void = () => {};
  const unsubscribe = [svcInformer.on({ add: () => wake(), update: () => wake(), delete: () => wake() }),
    nodeInformer.on({ add: () => wake(), update: () => wake() })];
  try {
    if (!(await svcInformer.waitForSync(signal)) || !(await nodeInformer.waitForSync(signal))) return;
    while (!signal.aborted) {
      const requested = new Set(svcInformer.list().filter(isServiceLBService).flatMap((s) => (s.spec?.ports ?? []).map(portKey)));
      const inUse = portsInUse(readListeners(options.procNet), requested, options.nodeIP).join(",");
      const node = nodeInformer.get(options.nodeName);
      const published = node?.metadata.annotations?.[PORTS_IN_USE_ANNOTATION] ?? "";
      if (node && published !== inUse) {
        try {
          await options.client.patch({ ...builtinResources.nodes, name: options.nodeName }, "merge",
            { metadata: { annotations: { [PORTS_IN_USE_ANNOTATION]: inUse || null } } }, { signal });
          options.log.info("LoadBalancer ports in use on this node", { ports: inUse || "none" });
        } catch (err) {
          if (signal.aborted) return;
          options.log.warn("could not publish the node's ports in use", { error: (err as Error).message });
        }
      }
      options.status.report({ state: "Running", message: inUse ? `LoadBalancer ports taken on this node: ${inUse}` : "watching LoadBalancer ports on this node", details: { portsInUse: inUse } });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.intervalMs ?? 2000);
        function done() { clearTimeout(timer); signal.removeEventListener("abort", done); wake = () => {}; resolve(); }
        wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
  } finally {
    for (const u of unsubscribe) u();
  }
}
