/**
 * pods/log over WebSocket (upstream apiserver StreamObject → wsstream.Reader with
 * NewDefaultReaderProtocols): the kubelet's log stream is sent to the client as messages, one per
 * chunk read, and the socket is closed normally when the stream ends. Subprotocols:
 * `binary.k8s.io` and none (binary messages), `base64.binary.k8s.io` (text messages, base64). The
 * client's messages are ignored; the client closing the socket aborts the kubelet request.
 *
 * The stream poses as the "upstream" of a relay (websocket-relay.ts), so the HTTPS front's
 * WebSocket callbacks and the node proxy's upgrade path serve it unchanged.
 */
import { closeWhenDrained } from "./close-when-drained.ts";
import type { RelayData } from "./websocket-relay.ts";

/** Subprotocol → messages are binary (true) or base64 text (false). */
const READER_PROTOCOLS: Record<string, boolean> = { "": true, "binary.k8s.io": true, "base64.binary.k8s.io": false };

/**
 * The subprotocol to answer for the client's offer (the first one supported; "" when none was
 * offered), or undefined when the client offered only unsupported ones.
 */
export function chooseLogProtocol(offered: readonly string[]): string | undefined {
  if (offered.length === 0) return "";
  return offered.find((p) => p !== "" && Object.hasOwn(READER_PROTOCOLS, p));
}

/** A relay whose upstream is the log stream `body`; `abort` cancels the kubelet request. */
export function logStreamRelay(body: ReadableStream<Uint8Array> | null, abort: AbortController, protocol: string): RelayData {
  const binary = READER_PROTOCOLS[protocol] ?? true;
  let paused = false;
  let wake: (() => void) | undefined;
  let closed = false;
  const data: RelayData = {
    protocol,
    backlog: [],
    upstream: {
      protocol,
      send() {}, // the client has nothing to say to a log stream
      close() {
        closed = true;
        abort.abort();
        wake?.();
      },
      pause() { paused = true; },
      resume() { paused = false; wake?.(); },
    },
  };
  const deliver = (chunk: Uint8Array) => {
    const msg = binary ? chunk : Buffer.from(chunk).toString("base64");
    const ws = data.client;
    if (!ws) { data.backlog.push(msg); return; }
    const status = typeof msg === "string" ? ws.sendText(msg) : ws.sendBinary(msg);
    if (status === -1) paused = true;
  };
  const finish = (code: number, reason: string) => {
    if (data.client) closeWhenDrained(data.client, code, reason);
    else data.upstreamClosed = { code, reason };
  };
  void (async () => {
    if (!body) return finish(1000, "");
    const reader = body.getReader();
    try {
      for (;;) {
        while (paused && !closed) await new Promise<void>((r) => { wake = r; });
        if (closed) break;
        const { done, value } = await reader.read();
        if (done) break;
        if (value.length > 0) deliver(value);
      }
      finish(1000, "");
    } catch {
      finish(closed ? 1000 : 1011, "");
    } finally {
      await reader.cancel().catch(() => {});
    }
  })();
  return data;
}
