/**
 * The two sides of a streaming bridge as the kubelet's HTTPS server sees them: it accepts the
 * client's WebSocket, hands a `WsPeer` to a bridge, then feeds the bridge every binary message
 * (`message`) and the end of the connection (`closed`).
 */

/** The accepted client WebSocket. */
export interface WsPeer {
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Closes the WebSocket (1000 = normal). The bridge calls it at most once. */
  close(code?: number, reason?: string): void;
  /** The negotiated subprotocol, e.g. `v5.channel.k8s.io`. */
  readonly protocol: string;
}

/** What the server drives a running bridge with. */
export interface BridgeSession {
  /** One binary message from the client (the bridge copies what it keeps). */
  message(data: Uint8Array): void;
  /** The client's WebSocket is gone; the bridge tears down its upstream connections. */
  closed(): void;
}
