import type { BridgeSession, WsPeer } from "./peer.ts";
import { connectPortForward, type UpstreamForward } from "./upstream-port-forward.ts";

const V5 = "v5.channel.k8s.io";
const CH_CLOSE = 255;

interface PortState {
  port: number;
  upstream?: UpstreamForward;
  /** Client data received before the upstream was ready, and whether its FIN came too. */
  held: Uint8Array[];
  finHeld: boolean;
  done: boolean;
}

/**
 * The kubelet's WebSocket port-forward (what @kubernetes/client-node speaks: `v4.channel.k8s.io`,
 * `portforward.k8s.io` or v5): ports come from `?ports=`; port i gets data channel 2i and error
 * channel 2i+1, and the first message on each starts with the port as 2 bytes little-endian.
 * Each port is forwarded over one upstream SPDY connection (`open(port)`, then error + data
 * streams). Client channel 2i → upstream data; a v5 `[255, 2i]` half-closes it. Upstream data →
 * channel 2i, upstream error text → channel 2i+1. When every port's upstream streams have ended
 * (or failed, reported on the error channel), the WebSocket is closed with 1000.
 */
export function startWebSocketPortForward(peer: WsPeer, ports: number[], open: (port: number) => Promise<string>): BridgeSession {
  const v5 = peer.protocol === V5;
  const states: PortState[] = ports.map((port) => ({ port, held: [], finHeld: false, done: false }));
  let over = false;

  const send = (channel: number, payload: Uint8Array) => {
    if (over) return;
    const message = new Uint8Array(payload.length + 1);
    message[0] = channel;
    message.set(payload, 1);
    peer.send(message);
  };

  const finishPort = (state: PortState) => {
    if (state.done) return;
    state.done = true;
    state.upstream?.session.close();
    if (!over && states.every((s) => s.done)) {
      over = true;
      peer.close(1000);
    }
  };

  const start = async (state: PortState, index: number) => {
    let upstream: UpstreamForward;
    try {
      upstream = await connectPortForward(await open(state.port), state.port, () => finishPort(state));
    } catch (e) {
      send(2 * index + 1, new TextEncoder().encode(`error forwarding port ${state.port}: ${(e as Error).message}`));
      return finishPort(state);
    }
    if (over) return upstream.session.close();
    state.upstream = upstream;
    // Nothing is ever written on the error stream by this side (client-go half-closes it at once).
    upstream.error.end();
    let ends = 0;
    const ended = () => {
      if (++ends === 2) finishPort(state);
    };
    upstream.data.ondata = (d) => send(2 * index, d);
    upstream.data.onend = ended;
    upstream.error.ondata = (d) => send(2 * index + 1, d);
    upstream.error.onend = ended;
    for (const data of state.held) upstream.data.write(data);
    state.held = [];
    if (state.finHeld) upstream.data.end();
  };

  states.forEach((state, i) => {
    const prefix = Uint8Array.of(state.port & 0xff, state.port >> 8);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
  });
  if (states.length === 0) {
    over = true;
    peer.close(1000);
  }
  states.forEach((state, i) => void start(state, i));

  return {
    message(data) {
      if (over || data.length === 0) return;
      const channel = data[0]!;
      if (channel === CH_CLOSE && v5) {
        const target = data[1];
        const state = target !== undefined && target % 2 === 0 ? states[target / 2] : undefined;
        if (!state) return;
        if (state.upstream) state.upstream.data.end();
        else state.finHeld = true;
        return;
      }
      if (channel % 2 !== 0) return; // error channels are server → client only
      const state = states[channel / 2];
      if (!state) return;
      const payload = data.slice(1);
      if (state.upstream) state.upstream.data.write(payload);
      else state.held.push(payload);
    },
    closed() {
      over = true;
      for (const state of states) state.upstream?.session.close();
    },
  };
}
