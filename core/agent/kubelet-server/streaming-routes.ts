/**
 * `/exec`, `/attach` and `/portforward`: validate the request against the pod, ask the runtime for a
 * streaming URL (CRI Exec/Attach/PortForward), then upgrade the client's WebSocket and bridge it to
 * containerd's streaming server (core/agent/streaming).
 *
 * Subprotocols: exec/attach `v5.channel.k8s.io` (stdin half-close) and `v4.channel.k8s.io`, and
 * `SPDY/3.1+<v4|v3|v2.channel.k8s.io|channel.k8s.io>` for SPDY clients (relayed to containerd as is);
 * port-forward `SPDY/3.1+portforward.k8s.io` (SPDY tunnelled in WebSocket, kubectl >= 1.31) or
 * the WebSocket channel protocol (`v4.channel.k8s.io`, `portforward.k8s.io`, or none) with the
 * ports in `?port=` (as the API server sends them) or `?ports=`. The first protocol the client
 * offers that we support wins.
 *
 * A request that validates but is not a WebSocket upgrade gets 426 Upgrade Required (upstream
 * answers 400): the API server's proxy uses such a plain request to learn why an upgrade failed.
 */
import type { Server } from "bun";
import { CriError, GrpcCode, type CriClient } from "../cri/types.ts";
import type { BridgeSession, WsPeer } from "../streaming/index.ts";
import type { PodRuntimeView } from "./pod-runtime-view.ts";
import { textError } from "./responses.ts";

/** The streaming bridges (core/agent/streaming); injectable for tests. */
export interface StreamingBridges {
  startExecBridge(peer: WsPeer, upstreamUrl: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): BridgeSession;
  startPortForwardBridge(peer: WsPeer, open: (port: number) => Promise<string>): BridgeSession;
  startWebSocketPortForward(peer: WsPeer, ports: number[], open: (port: number) => Promise<string>): BridgeSession;
  startSpdyTunnel(peer: WsPeer, upstreamUrl: string, streamProtocol: string): BridgeSession;
}

/** What an upgraded kubelet WebSocket carries: how to start its bridge, and the bridge once started. */
export interface KubeletSocketData {
  readonly protocol: string;
  readonly start: (peer: WsPeer) => BridgeSession;
  session?: BridgeSession;
}

export interface StreamingDeps {
  readonly cri: CriClient;
  readonly pods: PodRuntimeView;
  readonly bridges: StreamingBridges;
}

/** SPDY clients' stream protocols, tunnelled (`SPDY/3.1+<protocol>`) and relayed as they are to containerd. */
const SPDY_EXEC_PROTOCOLS = ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"].map((p) => `SPDY/3.1+${p}`);
const WS_EXEC_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
const EXEC_PROTOCOLS = [...WS_EXEC_PROTOCOLS, ...SPDY_EXEC_PROTOCOLS];
export const SPDY_TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io";
const WS_PORT_FORWARD_PROTOCOLS = ["v4.channel.k8s.io", "portforward.k8s.io"];

/** The first offered protocol we support; "" when none was offered and "" is acceptable. */
export function negotiateProtocol(offered: readonly string[], supported: readonly string[]): string | undefined {
  if (offered.length === 0) return supported.includes("") ? "" : undefined;
  return offered.find((p) => supported.includes(p));
}

export function offeredProtocols(req: Request): string[] {
  return (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}

const isWebSocket = (req: Request) => (req.headers.get("upgrade") ?? "").toLowerCase() === "websocket";
/** Query booleans as the kubelet reads them ("1"; "true" is accepted too). */
const flag = (q: URLSearchParams, name: string) => q.get(name) === "1" || q.get(name)?.toLowerCase() === "true";

function criFailure(err: unknown): Response {
  if (err instanceof CriError) return textError(err.code === GrpcCode.NOT_FOUND ? 404 : 500, err.details);
  return textError(500, err instanceof Error ? err.message : String(err));
}

function upgrade(req: Request, server: Server<KubeletSocketData>, protocol: string, start: KubeletSocketData["start"]): Response | undefined {
  const headers = protocol ? { "Sec-WebSocket-Protocol": protocol } : undefined;
  return server.upgrade(req, { data: { protocol, start }, headers }) ? undefined : textError(400, "unable to upgrade: the request is not a valid WebSocket upgrade");
}

function unsupported(offered: string[], supported: string[]): Response {
  return textError(400, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(" ")}], server supports [${supported.join(" ")}]`);
}

/** `/exec/{ns}/{pod}/{container}` and `/attach/{ns}/{pod}/{container}`. */
export async function serveExecOrAttach(
  kind: "exec" | "attach",
  req: Request,
  url: URL,
  target: { namespace: string; pod: string; container: string },
  server: Server<KubeletSocketData>,
  deps: StreamingDeps,
): Promise<Response | undefined> {
  const q = url.searchParams;
  const tty = flag(q, "tty");
  const stdin = flag(q, "input");
  const stdout = flag(q, "output");
  const stderr = flag(q, "error") && !tty; // a TTY merges stderr into stdout
  if (!stdin && !stdout && !stderr) return textError(400, "you must specify at least 1 of stdin, stdout, stderr");
  const cmd = q.getAll("command");
  if (kind === "exec" && cmd.length === 0) return textError(400, "you must specify at least 1 command");
  const rp = deps.pods.get(target.namespace, target.pod);
  if (!rp) return textError(404, "pod does not exist");
  const c = rp.containers.find((x) => x.name === target.container);
  if (!c?.containerId || c.state !== "running") return textError(500, `container not found ("${target.container}")`);
  if (!isWebSocket(req)) return textError(426, "Upgrade request required");
  const offered = offeredProtocols(req);
  const protocol = negotiateProtocol(offered, EXEC_PROTOCOLS);
  if (protocol === undefined) return unsupported(offered, WS_EXEC_PROTOCOLS);
  const opts = { stdin, stdout, stderr, tty };
  let streamUrl: string;
  try {
    streamUrl = kind === "exec"
      ? await deps.cri.exec({ containerId: c.containerId, cmd, ...opts })
      : await deps.cri.attach({ containerId: c.containerId, ...opts });
  } catch (err) {
    return criFailure(err);
  }
  if (protocol.startsWith("SPDY/3.1+")) return upgrade(req, server, protocol, (peer) => deps.bridges.startSpdyTunnel(peer, streamUrl, protocol.slice("SPDY/3.1+".length)));
  return upgrade(req, server, protocol, (peer) => deps.bridges.startExecBridge(peer, streamUrl, opts));
}

/** Ports of a WebSocket port-forward: `port` (kubelet) or `ports` (pod API) values, comma-separated or repeated. */
export function parsePorts(q: URLSearchParams): number[] | string {
  const raw = [...q.getAll("port"), ...q.getAll("ports")].flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  if (raw.length === 0) return `query parameter "port" is required`;
  const ports: number[] = [];
  for (const v of raw) {
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!(n >= 1 && n <= 65535)) return `unable to parse "${v}" as a port: must be an integer from 1 to 65535`;
    ports.push(n);
  }
  return ports;
}

/** `/portforward/{ns}/{pod}`. */
export async function servePortForward(
  req: Request,
  url: URL,
  target: { namespace: string; pod: string },
  server: Server<KubeletSocketData>,
  deps: StreamingDeps,
): Promise<Response | undefined> {
  const rp = deps.pods.get(target.namespace, target.pod);
  if (!rp) return textError(404, "pod does not exist");
  const sandboxId = rp.sandboxId;
  if (!sandboxId) return textError(500, `pod not found ("${target.pod}_${target.namespace}")`);
  if (!isWebSocket(req)) return textError(426, "Upgrade request required");
  const open = (port: number) => deps.cri.portForward({ podSandboxId: sandboxId, port: [port] });
  const offered = offeredProtocols(req);
  const supported = [SPDY_TUNNEL_PROTOCOL, ...WS_PORT_FORWARD_PROTOCOLS, ""];
  const protocol = negotiateProtocol(offered, supported);
  if (protocol === undefined) return unsupported(offered, supported.filter(Boolean));
  if (protocol === SPDY_TUNNEL_PROTOCOL) return upgrade(req, server, protocol, (peer) => deps.bridges.startPortForwardBridge(peer, open));
  const ports = parsePorts(url.searchParams);
  if (typeof ports === "string") return textError(400, ports);
  return upgrade(req, server, protocol, (peer) => deps.bridges.startWebSocketPortForward(peer, ports, open));
}
