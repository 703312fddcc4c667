/**
 * Relays one WebSocket between a client of the API server and a kubelet, message for message in
 * both directions (text stays text, binary stays binary), closing each side when the other closes.
 *
 * The kubelet side is opened first, so that its refusal becomes an ordinary HTTP answer to the
 * client; messages it sends before the client side is upgraded are held and delivered in order.
 * Towards the client, reading from the kubelet pauses while the client side is backpressured;
 * towards the kubelet, writes queue in its socket (Bun cannot pause a server WebSocket's reads).
 */
import type { ServerWebSocket, WebSocketHandler } from "bun";
import { closeWhenDrained } from "./close-when-drained.ts";
import { connectWebSocket, type WebSocketClientOptions, type WebSocketConnection } from "./websocket-client.ts";

export interface RelayData {
  /** The kubelet side. */
  upstream: WebSocketConnection;
  /** The subprotocol the kubelet chose, which the client side is upgraded with. */
  readonly protocol: string;
  /** Messages from the kubelet not yet delivered (until the client side opens). */
  backlog: (string | Uint8Array)[];
  client?: ServerWebSocket<RelayData>;
  /** The kubelet closed before the client side opened. */
  upstreamClosed?: { code: number; reason: string };
}

/** A close code a WebSocket endpoint may send (1005/1006/1015 are reserved for reporting). */
export function sendableCloseCode(code: number): number {
  if (code === 1006) return 1011; // the other side vanished: report an error, not a normal close
  const ok = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  return ok ? code : 1000;
}

export type UpstreamOpen = { ok: true; data: RelayData } | { ok: false; status: number; contentType: string; body: string };

/** Opens the kubelet side. Rejects on transport errors; a refused handshake resolves with the kubelet's answer. */
export async function openUpstream(url: string, opts: WebSocketClientOptions): Promise<UpstreamOpen> {
  const pending: { data?: RelayData; early: (string | Uint8Array)[]; closed?: { code: number; reason: string } } = { early: [] };
  const handshake = await connectWebSocket(url, opts, {
    message(msg) {
      const data = pending.data;
      if (data?.client) forward(data, msg);
      else (data?.backlog ?? pending.early).push(msg);
    },
    close(code, reason) {
      const data = pending.data;
      if (data?.client) closeWhenDrained(data.client, sendableCloseCode(code), reason);
      else if (data) data.upstreamClosed = { code, reason };
      else pending.closed = { code, reason };
    },
  });
  if (!handshake.ok) return handshake;
  const data: RelayData = { upstream: handshake.connection, protocol: handshake.connection.protocol, backlog: pending.early, upstreamClosed: pending.closed };
  pending.data = data;
  return { ok: true, data };
}

/**
 * Sends a kubelet message to the client. When Bun reports backpressure (the client reads slower
 * than the kubelet writes), reading from the kubelet pauses until the client side drains, so
 * memory stays bounded and Bun never drops a message (it drops past its backpressure limit).
 */
function forward(data: RelayData, msg: string | Uint8Array): void {
  const ws = data.client!;
  const status = typeof msg === "string" ? ws.sendText(msg) : ws.sendBinary(msg);
  if (status === -1) data.upstream.pause();
}

/** The client-side callbacks for Bun.serve. */
export const relayWebSocketHandler: WebSocketHandler<RelayData> = {
  open(ws) {
    ws.data.client = ws;
    for (const msg of ws.data.backlog) forward(ws.data, msg);
    ws.data.backlog = [];
    const closed = ws.data.upstreamClosed;
    if (closed) closeWhenDrained(ws, sendableCloseCode(closed.code), closed.reason);
  },
  message(ws, message) {
    ws.data.upstream.send(message);
  },
  drain(ws) {
    ws.data.upstream.resume();
  },
  close(ws, code, reason) {
    ws.data.upstream.close(sendableCloseCode(code), reason);
  },
};
