import {
  DEFAULT_WINDOW,
  GoAwayStatus,
  RstStatus,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SpdyProtocolError,
  decodeFrame,
  encodeFrame,
  hasHeaderBlock,
  type Frame,
  type HeaderFrame,
  type RawFrame,
  type SpdyHeaders,
} from "./frames.ts";
import { FrameReader } from "./frame-reader.ts";
import { HeaderCompressor, HeaderDecompressor } from "./header-compression.ts";
import { SpdyStream, type StreamHost } from "./stream.ts";

/** The byte duplex a session runs over: a TCP socket after an HTTP upgrade, or WebSocket messages. */
export interface SpdyTransport {
  /** Sends bytes to the peer; calls arrive in frame order. */
  write(bytes: Uint8Array): void;
  /** Ends the connection; called once, after the last write. */
  close(): void;
}

export interface SpdySessionOptions {
  /** Clients open odd-numbered streams and answer even pings; servers the reverse. */
  role: "client" | "server";
  transport: SpdyTransport;
  /**
   * A stream the peer opened. Set its callbacks before returning. A server answers with
   * `stream.reply()` (a first write or end replies implicitly). Without this option, peer streams
   * are refused.
   */
  onStream?: (stream: SpdyStream) => void;
  /** The peer sent GOAWAY: it will accept no new streams; open ones go on. */
  onGoAway?: (status: number) => void;
  /** Once, when the session is over: transport ended, close(), or a protocol error (then `error`). */
  onClose?: (error?: Error) => void;
}

/** Largest data frame this side sends. */
const MAX_DATA_FRAME = 32 * 1024;

interface Outgoing {
  stream: SpdyStream;
  window: number;
  queue: Uint8Array[];
  finQueued: boolean;
  finSent: boolean;
}

/**
 * A SPDY/3.1 session over any byte duplex, usable as client or server.
 *
 * Contract: feed every byte the transport receives to `receive` (any split), and call
 * `transportEnded` when the transport ends. Outgoing frames reach `transport.write` in order;
 * header blocks are compressed asynchronously, so a write may land a few microtasks after the
 * call that caused it, but never out of order.
 *
 * Flow control (SPDY/3.1), only with a peer that has shown it does flow control (it sent a
 * WINDOW_UPDATE or an initial-window SETTINGS). The Go spdystream library used by kubectl, the API
 * server, the kubelet and containerd never does: it sends no WINDOW_UPDATE and ignores ours.
 * - Outgoing data is counted against the peer's windows and held back once they are used up;
 *   enforcing them against spdystream would stall every transfer after 64 KiB.
 * - Receive windows start at 64 KiB and this side sends WINDOW_UPDATE (stream and session) as data
 *   is delivered to `ondata`. Not to spdystream: a frame written after the peer has closed its
 *   socket makes the peer's kernel reset the connection and drop what it had not sent yet, and
 *   containerd closes as soon as an exec's output is written (issue #6, the tail of stdout lost).
 */
export class SpdySession implements StreamHost {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly outgoing = new Map<number, Outgoing>();
  private nextStreamId: number;
  private lastRemoteStreamId = 0;
  private peerFlowControl = false;
  private initialSendWindow = DEFAULT_WINDOW;
  private sessionSendWindow = DEFAULT_WINDOW;
  private sessionUnacked = 0;
  private readonly unacked = new Map<number, number>();
  private outChain: Promise<void> = Promise.resolve();
  private outBusy = 0;
  private inChain: Promise<void> = Promise.resolve();
  private inBusy = 0;
  private sentGoAway = false;
  private remoteGoneAway = false;
  private ended = false;
  /** False once the transport is closed (by either side): nothing more is written. */
  private writable = true;

  constructor(private readonly options: SpdySessionOptions) {
    this.nextStreamId = options.role === "client" ? 1 : 2;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Streams not yet closed in both directions. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Opens a stream with a SYN_STREAM (FIN at once when `fin`: a receive-only stream). */
  openStream(headers: SpdyHeaders, opts: { fin?: boolean; priority?: number } = {}): SpdyStream {
    if (this.ended) throw new Error("SPDY session is closed");
    if (this.remoteGoneAway || this.sentGoAway) throw new Error("SPDY session is going away");
    const id = this.nextStreamId;
    if (id > 0x7fffffff) throw new Error("SPDY stream ids exhausted");
    this.nextStreamId += 2;
    const stream = new SpdyStream(this, id, lowerCase(headers), true);
    this.streams.set(id, stream);
    const fin = opts.fin ?? false;
    if (fin) stream.localEnded = true;
    this.emit({ kind: "syn_stream", streamId: id, associatedId: 0, priority: opts.priority ?? 0, fin, unidirectional: false, headers: stream.headers });
    return stream;
  }

  /** Feeds bytes received from the transport. */
  receive(bytes: Uint8Array): void {
    if (this.ended) return;
    let raws: RawFrame[];
    try {
      raws = this.reader.push(bytes);
    } catch (e) {
      return this.fail(e as Error);
    }
    for (const raw of raws) {
      let decoded: ReturnType<typeof decodeFrame>;
      try {
        decoded = decodeFrame(raw);
      } catch (e) {
        return this.fail(e as Error);
      }
      const { frame, compressedHeaders } = decoded;
      if (compressedHeaders === undefined && this.inBusy === 0) {
        this.handleSafely(frame);
        continue;
      }
      this.inBusy++;
      this.inChain = this.inChain
        .then(async () => {
          if (compressedHeaders !== undefined) (frame as HeaderFrame).headers = await this.decompressor.decompress(compressedHeaders);
          this.handleSafely(frame);
        })
        .catch((e: Error) => this.fail(e))
        .finally(() => {
          this.inBusy--;
        });
    }
  }

  /**
   * The transport ended (peer closed or network error). Ends every stream, after the frames already
   * received: those queued behind an async header decompression (a SYN_REPLY, then the data of a
   * command that just exited) still reach their streams.
   */
  transportEnded(error?: Error): void {
    this.writable = false;
    if (this.inBusy === 0) return this.shutdown(error, false);
    void this.inChain.then(() => this.shutdown(error, false));
  }

  /** Sends GOAWAY: no new peer streams are accepted; open streams go on. */
  goAway(status: number = GoAwayStatus.OK): void {
    if (this.ended || this.sentGoAway) return;
    this.sentGoAway = true;
    this.emit({ kind: "goaway", lastGoodStreamId: this.lastRemoteStreamId, status });
  }

  /** GOAWAY, then closes the transport after what is already queued; open streams end ("session"). */
  close(): void {
    this.goAway();
    this.shutdown(undefined, true);
  }

  // ---- StreamHost -------------------------------------------------------------------------

  sendReply(stream: SpdyStream, headers: SpdyHeaders, fin: boolean): void {
    this.emit({ kind: "syn_reply", streamId: stream.id, fin, headers: lowerCase(headers) });
  }

  sendData(stream: SpdyStream, data: Uint8Array, fin: boolean): void {
    if (this.ended) return;
    let out = this.outgoing.get(stream.id);
    if (!out) {
      out = { stream, window: this.initialSendWindow, queue: [], finQueued: false, finSent: false };
      this.outgoing.set(stream.id, out);
    }
    if (data.length > 0) out.queue.push(data);
    if (fin) out.finQueued = true;
    this.flush(out);
  }

  sendReset(stream: SpdyStream, status: number): void {
    this.outgoing.delete(stream.id);
    this.emit({ kind: "rst_stream", streamId: stream.id, status });
  }

  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    this.unacked.delete(stream.id);
    if (stream.wasReset) this.outgoing.delete(stream.id);
  }

  // ---- internals -------------------------------------------------------------------------

  /** Sends what the peer's windows allow of one stream's queue, then its FIN once drained. */
  private flush(out: Outgoing): void {
    while (out.queue.length > 0) {
      const allowed = this.peerFlowControl ? Math.min(out.window, this.sessionSendWindow) : Number.POSITIVE_INFINITY;
      if (allowed <= 0) return;
      const head = out.queue[0]!;
      const n = Math.min(head.length, allowed, MAX_DATA_FRAME);
      const chunk = head.subarray(0, n);
      if (n === head.length) out.queue.shift();
      else out.queue[0] = head.subarray(n);
      out.window -= n;
      this.sessionSendWindow -= n;
      const fin = out.finQueued && out.queue.length === 0;
      if (fin) out.finSent = true;
      this.emit({ kind: "data", streamId: out.stream.id, fin, data: chunk });
    }
    if (out.finQueued && !out.finSent) {
      out.finSent = true;
      this.emit({ kind: "data", streamId: out.stream.id, fin: true, data: new Uint8Array(0) });
    }
    if (out.finSent) this.outgoing.delete(out.stream.id);
  }

  private flushAll(): void {
    for (const out of [...this.outgoing.values()]) this.flush(out);
  }

  /** Queues a frame for the transport, keeping frame order across async header compression. */
  private emit(frame: Frame): void {
    if (this.ended) return;
    if (!hasHeaderBlock(frame) && this.outBusy === 0) {
      if (this.writable) this.options.transport.write(encodeFrame(frame));
      return;
    }
    this.outBusy++;
    this.outChain = this.outChain
      .then(async () => {
        const block = hasHeaderBlock(frame) ? await this.compressor.compress(frame.headers) : undefined;
        if (this.writable) this.options.transport.write(encodeFrame(frame, block));
      })
      .catch((e: Error) => this.fail(e))
      .finally(() => {
        this.outBusy--;
      });
  }

  private handleSafely(frame: Frame): void {
    if (this.ended) return;
    try {
      this.handle(frame);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private handle(frame: Frame): void {
    switch (frame.kind) {
      case "data": {
        const stream = this.streams.get(frame.streamId);
        if (!stream) return; // reset or finished here: a late frame, not an error
        if (frame.data.length > 0) {
          stream.deliver(frame.data);
          this.acknowledge(stream, frame.data.length);
        }
        if (frame.fin) stream.remoteFin();
        return;
      }
      case "syn_stream":
        return this.acceptStream(frame);
      case "syn_reply": {
        const stream = this.streams.get(frame.streamId);
        if (!stream || !stream.local || stream.replied) return;
        stream.replied = true;
        stream.replyHeaders = frame.headers;
        stream.onreply?.(frame.headers);
        if (frame.fin) stream.remoteFin();
        return;
      }
      case "headers": {
        const stream = this.streams.get(frame.streamId);
        if (stream && frame.fin) stream.remoteFin();
        return;
      }
      case "rst_stream": {
        this.outgoing.delete(frame.streamId);
        this.streams.get(frame.streamId)?.resetLocally("reset");
        return;
      }
      case "settings": {
        for (const entry of frame.entries) {
          if (entry.id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          const delta = entry.value - this.initialSendWindow;
          this.initialSendWindow = entry.value;
          for (const out of this.outgoing.values()) out.window += delta;
          this.peerFlowControl = true;
        }
        this.flushAll();
        return;
      }
      case "ping": {
        const ours = this.options.role === "client" ? 1 : 0;
        if ((frame.id & 1) !== ours) this.emit({ kind: "ping", id: frame.id });
        return;
      }
      case "goaway":
        this.remoteGoneAway = true;
        this.options.onGoAway?.(frame.status);
        return;
      case "window_update": {
        this.peerFlowControl = true;
        if (frame.streamId === 0) {
          this.sessionSendWindow += frame.delta;
          this.flushAll();
        } else {
          const out = this.outgoing.get(frame.streamId);
          if (out) {
            out.window += frame.delta;
            this.flush(out);
          }
        }
        return;
      }
      case "unknown":
        return;
    }
  }

  private acceptStream(frame: Extract<Frame, { kind: "syn_stream" }>): void {
    const id = frame.streamId;
    const peerParity = this.options.role === "client" ? 0 : 1;
    if (id === 0 || (id & 1) !== peerParity || id <= this.lastRemoteStreamId) {
      this.emit({ kind: "rst_stream", streamId: id, status: RstStatus.PROTOCOL_ERROR });
      return;
    }
    this.lastRemoteStreamId = id;
    if (this.sentGoAway || !this.options.onStream) {
      this.emit({ kind: "rst_stream", streamId: id, status: RstStatus.REFUSED_STREAM });
      return;
    }
    const stream = new SpdyStream(this, id, frame.headers, false);
    this.streams.set(id, stream);
    if (frame.unidirectional) {
      stream.localEnded = true;
      stream.replied = true;
    }
    this.options.onStream(stream);
    if (frame.fin) stream.remoteFin();
  }

  /** Counts delivered bytes and returns them to the peer's windows in half-window steps (flow-controlling peers only). */
  private acknowledge(stream: SpdyStream, n: number): void {
    if (!this.peerFlowControl) return;
    const threshold = DEFAULT_WINDOW / 2;
    if (!stream.remoteEnded) {
      const pending = (this.unacked.get(stream.id) ?? 0) + n;
      if (pending >= threshold) {
        this.unacked.set(stream.id, 0);
        this.emit({ kind: "window_update", streamId: stream.id, delta: pending });
      } else this.unacked.set(stream.id, pending);
    }
    this.sessionUnacked += n;
    if (this.sessionUnacked >= threshold) {
      this.emit({ kind: "window_update", streamId: 0, delta: this.sessionUnacked });
      this.sessionUnacked = 0;
    }
  }

  private fail(error: Error): void {
    if (this.ended) return;
    if (error instanceof SpdyProtocolError && !this.sentGoAway) {
      this.sentGoAway = true;
      this.emit({ kind: "goaway", lastGoodStreamId: this.lastRemoteStreamId, status: GoAwayStatus.PROTOCOL_ERROR });
    }
    this.shutdown(error, true);
  }

  private shutdown(error: Error | undefined, closeTransport: boolean): void {
    if (this.ended) return;
    if (closeTransport) {
      // Let frames already queued behind header compression go out first.
      void this.outChain.then(() => {
        this.writable = false;
        this.options.transport.close();
      });
    } else this.writable = false;
    this.ended = true;
    this.outgoing.clear();
    for (const stream of [...this.streams.values()]) stream.resetLocally("session");
    this.streams.clear();
    void this.outChain.then(() => this.compressor.close());
    void this.inChain.then(() => this.decompressor.close());
    this.options.onClose?.(error);
  }
}

function lowerCase(headers: SpdyHeaders): SpdyHeaders {
  const out: SpdyHeaders = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
