import { connectSpdy } from "./spdy/connect.ts";
import type { SpdySession } from "./spdy/session.ts";
import type { SpdyStream } from "./spdy/stream.ts";

/** One forwarded connection toward containerd: its own SPDY session and its error + data streams. */
export interface UpstreamForward {
  session: SpdySession;
  error: SpdyStream;
  data: SpdyStream;
}

/**
 * Connects to a containerd port-forward URL (single use: one per forwarded connection) with SPDY
 * `portforward.k8s.io` and opens the stream pair as client-go does: error first, then data, both
 * with `port` and the same `requestID`. `onClose` reports the end of the upstream session.
 */
export async function connectPortForward(url: string, port: number, onClose?: (error?: Error) => void): Promise<UpstreamForward> {
  const session = await connectSpdy(url, "portforward.k8s.io", { onClose });
  const headers = { port: String(port), requestid: "0" };
  const error = session.openStream({ streamtype: "error", ...headers });
  const data = session.openStream({ streamtype: "data", ...headers });
  return { session, error, data };
}
