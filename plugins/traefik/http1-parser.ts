/**
 * An incremental HTTP/1.1 response parser for the proxy's upstream connections: feed it the bytes
 * as they arrive (`push`), tell it when the connection ends (`eof`); it reports the final response
 * head, body chunks (without chunked framing) and the end of the response.
 *
 * Framing as RFC 9112 §6.3: no body for a HEAD request, 1xx, 204 and 304; `Transfer-Encoding`
 * ending in chunked (extensions ignored, trailers collected); other transfer codings and responses
 * without a length are delimited by the connection close; otherwise `Content-Length` (conflicting
 * values are an error). Interim 1xx responses (100 Continue, 103 Early Hints) are skipped.
 */

export interface ResponseHead {
  status: number;
  statusText: string;
  /** HTTP/1.x minor version. */
  minor: number;
  /** Header fields in order, names lower-cased. */
  headers: [string, string][];
  /** The connection must not be reused after this response (`Connection: close`, HTTP/1.0 without keep-alive, close-delimited body). */
  close: boolean;
}

export interface ResponseSink {
  head(head: ResponseHead): void;
  body(chunk: Uint8Array): void;
  end(trailers: [string, string][]): void;
}

export class HttpParseError extends Error {}

const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n");

const enum State { Head, Length, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose, Done }

export class ResponseParser {
  private state = State.Head;
  private pending: Buffer | null = null; // partial head / line bytes
  private remaining = 0;
  private trailers: [string, string][] = [];
  /** Bytes received after the response ended (the connection is then not reusable). */
  extra = 0;

  constructor(private readonly sink: ResponseSink, private readonly noBody = false) {}

  get done(): boolean { return this.state === State.Done; }
  /** Whether the response head has been received. */
  get started(): boolean { return this.state !== State.Head; }

  push(data: Uint8Array): void {
    let buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let i = 0;
    while (i < buf.length) {
      switch (this.state) {
        case State.Head: {
          if (this.pending) { buf = Buffer.concat([this.pending, buf.subarray(i)]); i = 0; this.pending = null; }
          const end = buf.indexOf(CRLFCRLF, i);
          if (end < 0) {
            if (buf.length - i > MAX_HEAD) throw new HttpParseError("response head too large");
            this.pending = Buffer.from(buf.subarray(i));
            return;
          }
          const text = buf.toString("latin1", i, end);
          i = end + 4;
          this.onHead(text);
          break;
        }
        case State.Length: {
          const n = Math.min(this.remaining, buf.length - i);
          this.sink.body(buf.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finish();
          break;
        }
        case State.ChunkSize:
        case State.Trailers: {
          const line = this.line(buf, i);
          if (line === undefined) return;
          i = line.next;
          if (this.state === State.ChunkSize) {
            const semi = line.text.indexOf(";");
            const hex = (semi < 0 ? line.text : line.text.slice(0, semi)).trim();
            if (!/^[0-9a-fA-F]{1,15}$/.test(hex)) throw new HttpParseError(`bad chunk size ${JSON.stringify(hex)}`);
            this.remaining = parseInt(hex, 16);
            this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
          } else if (line.text === "") {
            this.finish();
          } else {
            const colon = line.text.indexOf(":");
            if (colon <= 0) throw new HttpParseError("bad trailer line");
            this.trailers.push([line.text.slice(0, colon).trim().toLowerCase(), line.text.slice(colon + 1).trim()]);
          }
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - i);
          this.sink.body(buf.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) { this.state = State.ChunkDataEnd; this.remaining = 2; }
          break;
        }
        case State.ChunkDataEnd: {
          // "\r\n" after the chunk data, possibly split across pushes.
          const c = buf[i]!;
          if (this.remaining === 2 ? c !== 13 : c !== 10) throw new HttpParseError("missing CRLF after chunk data");
          i++;
          if (--this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.UntilClose:
          this.sink.body(i === 0 ? buf : buf.subarray(i));
          return;
        case State.Done:
          this.extra += buf.length - i;
          return;
      }
    }
  }

  /** The connection ended. A close-delimited body ends here; anything else incomplete is an error. */
  eof(): void {
    if (this.state === State.UntilClose) { this.finish(); return; }
    if (this.state !== State.Done) throw new HttpParseError(this.state === State.Head ? "connection closed before the response head" : "connection closed before the end of the response body");
  }

  /** A CRLF-terminated line (chunk size or trailer) starting at i, buffering partial lines. */
  private line(buf: Buffer, i: number): { text: string; next: number } | undefined {
    const lf = buf.indexOf(10, i);
    if (lf < 0) {
      const part = buf.subarray(i);
      this.pending = this.pending ? Buffer.concat([this.pending, part]) : Buffer.from(part);
      if (this.pending.length > 16 * 1024) throw new HttpParseError("chunk line too long");
      return undefined;
    }
    let text = buf.toString("latin1", i, lf);
    if (this.pending) { text = this.pending.toString("latin1") + text; this.pending = null; }
    if (text.endsWith("\r")) text = text.slice(0, -1);
    return { text, next: lf + 1 };
  }

  private onHead(text: string) {
    const lines = text.split("\r\n");
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]!);
    if (!m) throw new HttpParseError(`bad status line ${JSON.stringify(lines[0]!.slice(0, 80))}`);
    const minor = Number(m[1]), status = Number(m[2]);
    const headers: [string, string][] = [];
    let contentLength = -1, chunked = false, otherCoding = false, close = minor === 0, keepAlive = false;
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k]!;
      const colon = line.indexOf(":");
      if (colon <= 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) throw new HttpParseError("bad header line");
      const name = line.slice(0, colon).toLowerCase();
      if (name.charCodeAt(name.length - 1) === 32 || name.charCodeAt(name.length - 1) === 9) throw new HttpParseError("whitespace before the header colon");
      const value = line.slice(colon + 1).trim();
      headers.push([name, value]);
      if (name === "content-length") {
        for (const part of value.split(",")) {
          const v = part.trim();
          if (!/^\d{1,15}$/.test(v)) throw new HttpParseError("bad content-length");
          if (contentLength >= 0 && Number(v) !== contentLength) throw new HttpParseError("conflicting content-length");
          contentLength = Number(v);
        }
      } else if (name === "transfer-encoding") {
        const codings = value.toLowerCase().split(",").map((s) => s.trim()).filter(Boolean);
        chunked = codings.at(-1) === "chunked";
        otherCoding = !chunked && codings.length > 0;
      } else if (name === "connection") {
        for (const t of value.toLowerCase().split(",")) {
          const token = t.trim();
          if (token === "close") close = true;
          else if (token === "keep-alive") keepAlive = true;
        }
      }
    }
    if (minor === 0 && keepAlive && !headers.some(([n, v]) => n === "connection" && v.toLowerCase().includes("close"))) close = false;
    if (status < 200) {
      if (status === 101) throw new HttpParseError("unexpected 101 Switching Protocols");
      return; // interim response: the final one follows
    }
    let body: State;
    if (this.noBody || status === 204 || status === 304) body = State.Done;
    else if (chunked) body = State.ChunkSize;
    else if (otherCoding) body = State.UntilClose;
    else if (contentLength >= 0) body = contentLength === 0 ? State.Done : State.Length;
    else body = State.UntilClose;
    if (body === State.UntilClose) close = true;
    this.state = body === State.Done ? State.Head : body; // set before the sink sees the head
    this.remaining = contentLength;
    this.sink.head({ status, statusText: m[3] ?? "", minor, headers, close });
    if (body === State.Done) this.finish();
  }

  private finish() {
    this.state = State.Done;
    this.sink.end(this.trailers);
  }
}
