import type { BridgeSession, WsPeer } from "./peer.ts";
import { Relay } from "./relay.ts";
import { RstStatus } from "./spdy/frames.ts";
import { SpdySession } from "./spdy/session.ts";
import type { SpdyStream } from "./spdy/stream.ts";
import { connectPortForward, type UpstreamForward } from "./upstream-port-forward.ts";

/** How long a forwarded connection may wait for the second stream of its pair (the kubelet's streamCreationTimeout). */
const PAIR_TIMEOUT_MS = 30_000;

interface Pair {
  requestId: string;
  port: number;
  error?: Relay;
  data?: Relay;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Bridges kubectl's port-forward (`SPDY/3.1+portforward.k8s.io`: raw SPDY/3.1 bytes in WebSocket
 * binary messages, split anywhere) to containerd, playing the kubelet's part of the protocol:
 *
 * - The client opens an `error` and a `data` stream per forwarded TCP connection, with headers
 *   `port` and `requestID` (missing requestID: derived from the stream id, as the kubelet does for
 *   old clients). Each stream is answered at once; a bad `port`/`streamType` is reset.
 * - Once a pair is complete, `open(port)` yields a fresh containerd URL, reached with SPDY
 *   `portforward.k8s.io`; the two stream pairs are then relayed both ways (data, FIN, resets).
 *   The upstream session is closed when all four stream halves have ended.
 * - Failures are written as text on the client's error stream, then both client streams end.
 * - Reply frames go back as WebSocket binary messages, one per SPDY frame.
 */
export function startPortForwardBridge(peer: WsPeer, open: (port: number) => Promise<string>): BridgeSession {
  const pairs = new Map<string, Pair>();
  const upstreams = new Set<UpstreamForward>();
  let over = false;

  const fail = (pair: Pair, message: string) => {
    const error = pair.error?.source;
    if (error) {
      error.write(new TextEncoder().encode(message));
      error.end();
    }
    pair.data?.source.end();
  };

  const forward = async (pair: Pair) => {
    const { error, data } = pair as Required<Pair>;
    let upstream: UpstreamForward;
    try {
      const url = await open(pair.port);
      if (over) return;
      upstream = await connectPortForward(url, pair.port, () => upstreams.delete(upstream));
    } catch (e) {
      return fail(pair, `error forwarding port ${pair.port}: ${(e as Error).message}`);
    }
    if (over) return upstream.session.close();
    upstreams.add(upstream);
    const upError = new Relay(upstream.error);
    const upData = new Relay(upstream.data);
    const relays = [error, data, upError, upData];
    // Done when every half has ended: close the upstream connection (its token is spent anyway).
    const check = () => {
      if (relays.every((r) => r.ended)) upstream.session.close();
    };
    for (const r of relays) r.onEnd = check;
    upError.to(error.source);
    upData.to(data.source);
    error.to(upstream.error);
    data.to(upstream.data);
  };

  const accept = (stream: SpdyStream) => {
    const port = Number(stream.header("port") ?? "");
    const type = stream.header("streamtype");
    if (!Number.isInteger(port) || port < 1 || port > 65535 || (type !== "error" && type !== "data")) {
      stream.reset(RstStatus.PROTOCOL_ERROR);
      return;
    }
    stream.reply();
    const requestId = stream.header("requestid") ?? String(type === "error" ? stream.id : stream.id - 2);
    let pair = pairs.get(requestId);
    if (!pair) {
      const created: Pair = {
        requestId,
        port,
        timer: setTimeout(() => {
          pairs.delete(requestId);
          fail(created, `timed out waiting for streams of request ${requestId}`);
        }, PAIR_TIMEOUT_MS),
      };
      pair = created;
      pairs.set(requestId, pair);
    }
    if (pair[type]) {
      // A second stream of one type for a request: refuse it, leave the pair alone.
      stream.reset(RstStatus.STREAM_IN_USE);
      return;
    }
    // Until the upstream exists, the relay holds what the client sends (and its FIN).
    pair[type] = new Relay(stream);
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair);
    }
  };

  const session = new SpdySession({
    role: "server",
    transport: {
      write: (bytes) => {
        if (!over) peer.send(bytes);
      },
      close: () => {
        if (over) return;
        over = true;
        peer.close(1000);
      },
    },
    onStream: accept,
    onClose: () => teardown(),
  });

  const teardown = () => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
    for (const upstream of upstreams) upstream.session.close();
    upstreams.clear();
  };

  return {
    message(data) {
      session.receive(data.slice());
    },
    closed() {
      over = true;
      session.transportEnded();
      teardown();
    },
  };
}
