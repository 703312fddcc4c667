/**
 * Incremental framing of one HTTP/1.1 message body (RFC 9112 §6-7), shared by requests and
 * responses: `Content-Length` bytes, chunked (extensions ignored, trailers collected), or until the
 * connection closes.
 *
 * `read(buf, i)` consumes body bytes from `buf[i..]` and returns the index just past the last byte
 * it consumed: the end of the body (`done`) or `buf.length`. Bytes after the body are left to the
 * caller (the next message). With a sink the body's data (without chunked framing) goes to
 * `sink.body`; without one the reader only finds where the body ends, and the caller forwards the
 * consumed wire bytes `buf[i..returned)` as they are.
 */

/** Malformed HTTP/1.x; `status` is what a server answers a client that sent it (400, 431, 501). */
export class HttpParseError extends Error {
  constructor(message: string, readonly status = 400) { super(message); }
}

export type BodyFraming = "length" | "chunked" | "close";

const enum State { Length, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose, Done }
const MAX_LINE = 16 * 1024;

export class BodyReader {
  private state: State;
  private remaining: number;
  private pending: string | null = null; // a partial chunk-size or trailer line
  /** Trailer fields of a chunked body (names lower-cased), once done. */
  readonly trailers: [string, string][] = [];

  /** `length` is the Content-Length for "length" framing (0 is done at once). */
  constructor(framing: BodyFraming, length = 0, private readonly sink?: { body(chunk: Uint8Array): void }) {
    this.remaining = length;
    this.state = framing === "chunked" ? State.ChunkSize : framing === "close" ? State.UntilClose : length === 0 ? State.Done : State.Length;
  }

  get done(): boolean { return this.state === State.Done; }

  read(buf: Buffer, i: number): number {
    while (i < buf.length) {
      switch (this.state) {
        case State.Length:
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - i);
          this.sink?.body(buf.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === State.Length) { this.state = State.Done; return i; }
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          break;
        }
        case State.ChunkDataEnd: {
          // "\r\n" after the chunk data, possibly split across reads.
          const c = buf[i]!;
          if (this.remaining === 2 ? c !== 13 : c !== 10) throw new HttpParseError("missing CRLF after chunk data");
          i++;
          if (--this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.ChunkSize:
        case State.Trailers: {
          const lf = buf.indexOf(10, i);
          if (lf < 0) {
            this.pending = (this.pending ?? "") + buf.toString("latin1", i);
            if (this.pending.length > MAX_LINE) throw new HttpParseError("chunk line too long");
            return buf.length;
          }
          let line = buf.toString("latin1", i, lf);
          if (this.pending !== null) { line = this.pending + line; this.pending = null; }
          if (line.endsWith("\r")) line = line.slice(0, -1);
          i = lf + 1;
          if (this.state === State.ChunkSize) {
            const semi = line.indexOf(";");
            const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
            if (!/^[0-9a-fA-F]{1,15}$/.test(hex)) throw new HttpParseError(`bad chunk size ${JSON.stringify(hex.slice(0, 20))}`);
            this.remaining = parseInt(hex, 16);
            this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
          } else if (line === "") {
            this.state = State.Done;
            return i;
          } else {
            const colon = line.indexOf(":");
            if (colon <= 0) throw new HttpParseError("bad trailer line");
            this.trailers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
          }
          break;
        }
        case State.UntilClose:
          this.sink?.body(i === 0 ? buf : buf.subarray(i));
          return buf.length;
        case State.Done:
          return i;
      }
    }
    return i;
  }

  /** The connection ended: a close-delimited body ends here; any other unfinished body is an error. */
  eof(): void {
    if (this.state === State.UntilClose) this.state = State.Done;
    else if (this.state !== State.Done) throw new HttpParseError("connection closed before the end of the body");
  }
}
