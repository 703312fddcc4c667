/**
 * The kubelet's streaming bridges: WebSocket clients (via the kubelet's HTTPS server) on one side,
 * containerd's CRI streaming server (SPDY/3.1) on the other. See the kubectl contract, section 8.
 *
 * - `startExecBridge`: exec/attach, client `v5.channel.k8s.io` (or v4) over WebSocket; upstream
 *   the containerd exec/attach URL, reached with SPDY/3.1 `v4.channel.k8s.io`.
 * - `startPortForwardBridge`: client `SPDY/3.1+portforward.k8s.io` (SPDY tunnelled in WebSocket
 *   binary messages); `open(port)` returns a fresh containerd port-forward URL for one connection.
 * - `startWebSocketPortForward`: client-node style WebSocket port-forward with `?ports=`.
 * - `startSpdyTunnel`: exec/attach for SPDY clients, `SPDY/3.1+v4.channel.k8s.io` (SPDY bytes in
 *   WebSocket binary messages), relayed unchanged to containerd's SPDY upgrade.
 */
export type { BridgeSession, WsPeer } from "./peer.ts";
export { startExecBridge, type ExecOptions } from "./exec-bridge.ts";
export { startPortForwardBridge } from "./spdy-port-forward.ts";
export { startWebSocketPortForward } from "./websocket-port-forward.ts";
export { SPDY_TUNNEL_PREFIX, startSpdyTunnel } from "./spdy-tunnel.ts";
