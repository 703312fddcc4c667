import { SUCCESS, internalError, translateV4Status, type Status } from "./exec-status.ts";
import type { BridgeSession, WsPeer } from "./peer.ts";
import { UpgradeFailedError, connectSpdy } from "./spdy/connect.ts";
import type { SpdySession } from "./spdy/session.ts";
import type { SpdyStream } from "./spdy/stream.ts";

export interface ExecOptions { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

const V5 = "v5.channel.k8s.io";
const CH_STDIN = 0;
const CH_STDOUT = 1;
const CH_STDERR = 2;
const CH_ERROR = 3;
const CH_RESIZE = 4;
const CH_CLOSE = 255;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Bridges a WebSocket exec/attach client (`v5.channel.k8s.io`, or `v4.channel.k8s.io`: binary
 * channel byte + payload) to containerd's streaming server over SPDY/3.1 `v4.channel.k8s.io`, the
 * way the API server's stream translator does.
 *
 * - At once: an empty message on the first output channel (stdout, else stderr, else error).
 * - Upstream streams, in client-go's v4 order: error, stdin, stdout, stderr (not with a tty),
 *   resize (tty only); they must match the CRI Exec/Attach request the URL came from.
 * - Client channel 0 → stdin, 4 → resize (JSON passed through), v5 `[255, 0]` → stdin FIN.
 * - stdout/stderr data → channels 1/2. When the error stream and the outputs have ended (or the
 *   upstream connection has), one Status on channel 3, then close 1000. v5 clients get the
 *   translated Status (exit codes as NonZeroExitCode); v4 clients get upstream's JSON as is.
 * - A failed upgrade is reported the same way (upstream's Status body, else an InternalError).
 * Client messages that arrive before the upstream is ready are held and replayed.
 */
export function startExecBridge(peer: WsPeer, upstreamUrl: string, opts: ExecOptions): BridgeSession {
  const v5 = peer.protocol === V5;
  const wantStderr = opts.stderr && !opts.tty;
  let session: SpdySession | undefined;
  let stdin: SpdyStream | undefined;
  let resize: SpdyStream | undefined;
  let early: Uint8Array[] | undefined = [];
  let errorText = "";
  let finished = false;

  const send = (channel: number, payload: Uint8Array) => {
    const message = new Uint8Array(payload.length + 1);
    message[0] = channel;
    message.set(payload, 1);
    peer.send(message);
  };

  const finish = (failure?: Status) => {
    if (finished) return;
    finished = true;
    early = undefined;
    let body: string;
    if (failure) body = JSON.stringify(failure);
    else if (v5) body = JSON.stringify(translateV4Status(errorText));
    else body = errorText || JSON.stringify(SUCCESS);
    send(CH_ERROR, encoder.encode(body));
    peer.close(1000);
    session?.close();
  };

  const handle = (data: Uint8Array) => {
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === CH_STDIN) stdin?.write(payload);
    else if (channel === CH_RESIZE) resize?.write(payload);
    else if (channel === CH_CLOSE && v5 && payload[0] === CH_STDIN) stdin?.end();
  };

  send(opts.stdout ? CH_STDOUT : wantStderr ? CH_STDERR : CH_ERROR, new Uint8Array(0));

  let outputs = 1 + (opts.stdout ? 1 : 0) + (wantStderr ? 1 : 0);
  const outputEnded = () => {
    if (--outputs === 0) finish();
  };

  connectSpdy(upstreamUrl, "v4.channel.k8s.io", { onClose: () => finish() }).then(
    (s) => {
      if (finished) return s.close();
      session = s;
      const open = (streamtype: string) => s.openStream({ streamtype });
      const error = open("error");
      error.ondata = (d) => (errorText += decoder.decode(d, { stream: true }));
      error.onend = outputEnded;
      if (opts.stdin) stdin = open("stdin");
      if (opts.stdout) {
        const out = open("stdout");
        out.ondata = (d) => send(CH_STDOUT, d);
        out.onend = outputEnded;
      }
      if (wantStderr) {
        const err = open("stderr");
        err.ondata = (d) => send(CH_STDERR, d);
        err.onend = outputEnded;
      }
      if (opts.tty) resize = open("resize");
      const held = early ?? [];
      early = undefined;
      for (const message of held) handle(message);
    },
    (e: Error) => finish(upgradeFailure(e)),
  );

  return {
    message(data) {
      if (finished || data.length === 0) return;
      if (early) early.push(data.slice());
      else handle(data.slice());
    },
    closed() {
      if (finished) return;
      finished = true;
      early = undefined;
      session?.close();
    },
  };
}

/** client-go's reading of a refused upgrade: a Status body as is, anything else an internal error. */
function upgradeFailure(e: Error): Status {
  if (e instanceof UpgradeFailedError) {
    try {
      const body = JSON.parse(e.body) as Status & { kind?: string };
      if (body.kind === "Status" && (body.status === "Failure" || body.status === "Success")) return body;
    } catch {
      // not JSON: fall through
    }
  }
  return internalError(e.message);
}
