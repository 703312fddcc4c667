import { RstStatus, type SpdyHeaders } from "./frames.ts";

/** How a stream's receiving half ended: the peer's FIN, a RST_STREAM (either side's), or the session ending. */
export type StreamEnd = "fin" | "reset" | "session";

/** What a stream needs from its session (implemented by SpdySession). */
export interface StreamHost {
  sendReply(stream: SpdyStream, headers: SpdyHeaders, fin: boolean): void;
  sendData(stream: SpdyStream, data: Uint8Array, fin: boolean): void;
  sendReset(stream: SpdyStream, status: number): void;
  forget(stream: SpdyStream): void;
}

/**
 * One SPDY stream. Consumers set the `on*` callbacks right after receiving the stream (from
 * `SpdySession.openStream` or the session's `onStream`), before any data can arrive: callbacks are
 * only invoked from later frames. `onend` fires exactly once, after the last `ondata`.
 */
export class SpdyStream {
  /** The peer's data. The session counts it as consumed (for flow control) once this returns. */
  ondata: ((data: Uint8Array) => void) | undefined;
  /** The receiving half is over; no more `ondata`. */
  onend: ((how: StreamEnd) => void) | undefined;
  /** The SYN_REPLY to a stream this side opened. */
  onreply: ((headers: SpdyHeaders) => void) | undefined;

  replyHeaders: SpdyHeaders | undefined;
  /** The peer sent (or this side received) SYN_REPLY. Always true for streams the peer opened and we replied to. */
  replied = false;
  localEnded = false;
  remoteEnded = false;
  wasReset = false;

  constructor(
    private readonly host: StreamHost,
    readonly id: number,
    /** The SYN_STREAM headers. */
    readonly headers: SpdyHeaders,
    /** True when this side opened the stream. */
    readonly local: boolean,
  ) {}

  /** A header of the SYN_STREAM, by case-insensitive name. */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }

  /** Answers a stream the peer opened. Implied by the first write/end if not called. */
  reply(headers: SpdyHeaders = {}, fin = false): void {
    if (this.local || this.replied || this.wasReset) return;
    this.replied = true;
    if (fin) this.localEnded = true;
    this.host.sendReply(this, headers, fin);
    this.settle();
  }

  /** Queues data for the peer (split into frames, held back while the peer's window is closed). Ignored once ended. */
  write(data: Uint8Array): void {
    if (this.localEnded || this.wasReset || data.length === 0) return;
    if (!this.local && !this.replied) this.reply();
    this.host.sendData(this, data, false);
  }

  /** Half-closes: FIN after everything written so far. */
  end(): void {
    if (this.localEnded || this.wasReset) return;
    if (!this.local && !this.replied) return this.reply({}, true);
    this.localEnded = true;
    this.host.sendData(this, new Uint8Array(0), true);
    this.settle();
  }

  /** Aborts both halves with RST_STREAM (CANCEL unless told). */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.wasReset || (this.localEnded && this.remoteEnded)) return;
    this.host.sendReset(this, status);
    this.resetLocally();
  }

  /** The session's view: the peer reset, or the session is gone. */
  resetLocally(how: StreamEnd = "reset"): void {
    if (this.wasReset) return;
    this.wasReset = true;
    this.localEnded = true;
    this.finishRemote(how);
    this.host.forget(this);
  }

  /** Delivers peer data (session use). */
  deliver(data: Uint8Array): void {
    if (this.remoteEnded) return;
    this.ondata?.(data);
  }

  /** The peer's FIN (session use). */
  remoteFin(): void {
    this.finishRemote("fin");
    this.settle();
  }

  private finishRemote(how: StreamEnd): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.onend?.(how);
  }

  private settle(): void {
    if (this.localEnded && this.remoteEnded) this.host.forget(this);
  }
}
