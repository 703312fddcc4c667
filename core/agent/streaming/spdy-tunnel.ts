/**
 * exec/attach for SPDY clients (kubectl before 1.30, client-go's SPDY executor): the API server's
 * front turns their `Upgrade: SPDY/3.1` request into a WebSocket whose subprotocol is
 * `SPDY/3.1+<stream protocol>` and whose binary messages carry the SPDY bytes unchanged. The
 * kubelet completes the same SPDY upgrade with containerd's streaming server for the chosen stream
 * protocol and relays the bytes both ways, so the client's SPDY session runs end to end with
 * containerd (what upstream's kubelet does when it proxies to the CRI streaming server).
 */
import type { BridgeSession, WsPeer } from "./peer.ts";
import { upgradeToSpdy, type UpgradedConnection } from "./spdy/connect.ts";

export const SPDY_TUNNEL_PREFIX = "SPDY/3.1+";

export function startSpdyTunnel(peer: WsPeer, upstreamUrl: string, streamProtocol: string): BridgeSession {
  let conn: UpgradedConnection | undefined;
  let over = false;
  /** Client bytes that arrive before containerd has answered the upgrade. */
  const pending: Uint8Array[] = [];
  const end = (code = 1000, reason = "") => {
    if (over) return;
    over = true;
    conn?.end();
    peer.close(code, reason);
  };
  upgradeToSpdy(upstreamUrl, streamProtocol).then((c) => {
    if (over) return c.end();
    conn = c;
    for (const bytes of pending.splice(0)) c.write(bytes);
    c.receive((chunk) => { if (!over) peer.send(chunk); }, () => end());
  }, (err: Error) => end(1011, err.message.slice(0, 120)));
  return {
    message(data) {
      if (over) return;
      if (conn) conn.write(data);
      else pending.push(data.slice());
    },
    closed() {
      if (over) return;
      over = true;
      conn?.end();
    },
  };
}
