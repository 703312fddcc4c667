/**
 * An incremental HTTP/1.1 response parser for the proxy's upstream connections: feed it the bytes
 * as they arrive (`push`), tell it when the connection ends (`eof`); it reports the final response
 * head, the body and the end of the response.
 *
 * Framing as RFC 9112 §6.3: no body for a HEAD request, 1xx, 204 and 304; `Transfer-Encoding`
 * ending in chunked (extensions ignored, trailers collected); other transfer codings and responses
 * without a length are delimited by the connection close; otherwise `Content-Length` (conflicting
 * values are an error). Interim 1xx responses (100 Continue, 103 Early Hints) go to `sink.interim`
 * if there is one and are skipped otherwise; `101 Switching Protocols` is an error unless
 * `upgrade` is set, when it is a final response without a body (the bytes after it belong to the
 * new protocol).
 *
 * Two body modes: decoded (the default: `sink.body` gets the data without chunked framing) and
 * `raw` (`sink.body` gets the body's wire bytes, framing included, as one slice per `push`: what a
 * proxy forwards unchanged).
 */
import { BodyReader, HttpParseError } from "./http1-body.ts";

export { HttpParseError };

export interface ResponseHead {
  status: number;
  statusText: string;
  /** HTTP/1.x minor version. */
  minor: number;
  /** Header fields in order, names lower-cased. */
  readonly headers: [string, string][];
  /** The connection must not be reused after this response (`Connection: close`, HTTP/1.0 without keep-alive, close-delimited body). */
  close: boolean;
  /** How the body is framed: none (HEAD, 1xx, 204, 304, Content-Length: 0), Content-Length, chunked, or until the connection closes. */
  framing: "none" | "length" | "chunked" | "close";
  /** The head has a hop-by-hop field a proxy must not pass on (Connection, Keep-Alive, Proxy-*, TE, Upgrade). */
  hopByHop: boolean;
  /** The head's bytes as received, status line to the empty line; valid only during the callback. */
  bytes: Uint8Array;
}

export interface ResponseSink {
  head(head: ResponseHead): void;
  body(chunk: Uint8Array): void;
  end(trailers: [string, string][]): void;
  /** An interim 1xx response (not 101); without this, interim responses are skipped. */
  interim?(head: ResponseHead): void;
}

export interface ResponseParserOptions {
  /** `sink.body` gets the body's wire bytes (framing included) instead of its data. */
  raw?: boolean;
  /** 101 Switching Protocols is a final response (the request asked for an upgrade). */
  upgrade?: boolean;
}

const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n");
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "upgrade"]);

const enum State { Head, Body, Done }

/** A parsed response head; `headers` is split out of the text when first read. */
class Head implements ResponseHead {
  framing: ResponseHead["framing"] = "none";
  private fields: [string, string][] | null = null;
  constructor(readonly status: number, readonly statusText: string, readonly minor: number, public close: boolean, readonly hopByHop: boolean,
    readonly bytes: Uint8Array, private readonly text: string, private readonly eol: number) {}

  get headers(): [string, string][] {
    if (!this.fields) {
      this.fields = [];
      for (let pos = this.eol + 2; pos < this.text.length;) {
        let end = this.text.indexOf("\r\n", pos);
        if (end < 0) end = this.text.length;
        const colon = this.text.indexOf(":", pos);
        this.fields.push([this.text.slice(pos, colon).toLowerCase(), this.text.slice(colon + 1, end).trim()]);
        pos = end + 2;
      }
    }
    return this.fields;
  }
}

export class ResponseParser {
  private state = State.Head;
  private pending: Buffer | null = null; // a partial head
  private reader: BodyReader | null = null;
  /** Raw body mode; the `head` callback may switch it off (to decode a chunked body). */
  raw: boolean;
  private readonly upgrade: boolean;
  /** Bytes received after the response ended (the connection is then not reusable). */
  extra = 0;

  constructor(private readonly sink: ResponseSink, private readonly noBody = false, options: ResponseParserOptions = {}) {
    this.raw = options.raw ?? false;
    this.upgrade = options.upgrade ?? false;
  }

  get done(): boolean { return this.state === State.Done; }
  /** Whether the final response head has been received. */
  get started(): boolean { return this.state !== State.Head; }

  /**
   * Consumes bytes of the response; returns how many of `data` belong to it (all of them until it
   * ends). Bytes after its end are counted in `extra` and not reported.
   */
  push(data: Uint8Array): number {
    let buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let i = 0, offset = 0;
    while (i < buf.length) {
      if (this.state === State.Head) {
        if (this.pending) { offset = this.pending.length; buf = Buffer.concat([this.pending, buf]); this.pending = null; }
        const end = buf.indexOf(CRLFCRLF, i);
        if (end < 0) {
          if (buf.length - i > MAX_HEAD) throw new HttpParseError("response head too large");
          this.pending = Buffer.from(buf.subarray(i));
          return data.byteLength;
        }
        const text = buf.toString("latin1", i, end);
        const bytes = buf.subarray(i, end + 4);
        i = end + 4;
        this.onHead(text, bytes);
      } else if (this.state === State.Body) {
        const from = i;
        i = this.reader!.read(buf, i);
        if (this.raw && i > from) this.sink.body(buf.subarray(from, i));
        if (this.reader!.done) this.finish();
      } else {
        this.extra += buf.length - i;
        return i - offset;
      }
    }
    return buf.length - offset;
  }

  /** The connection ended. A close-delimited body ends here; anything else incomplete is an error. */
  eof(): void {
    if (this.state === State.Done) return;
    if (this.state === State.Head) throw new HttpParseError("connection closed before the response head");
    try {
      this.reader!.eof();
    } catch {
      throw new HttpParseError("connection closed before the end of the response body");
    }
    this.finish();
  }

  private onHead(text: string, bytes: Uint8Array) {
    let eol = text.indexOf("\r\n");
    if (eol < 0) eol = text.length;
    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    const minorCode = text.charCodeAt(7), d0 = text.charCodeAt(9) - 48, d1 = text.charCodeAt(10) - 48, d2 = text.charCodeAt(11) - 48;
    if (!text.startsWith("HTTP/1.") || (minorCode !== 48 && minorCode !== 49) || text.charCodeAt(8) !== 32 || !(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)
      || (eol > 12 && text.charCodeAt(12) !== 32)) {
      throw new HttpParseError(`bad status line ${JSON.stringify(text.slice(0, Math.min(eol, 80)))}`);
    }
    const minor = minorCode - 48, status = d0 * 100 + d1 * 10 + d2;
    let contentLength = -1, chunked = false, otherCoding = false, closeToken = false, keepAlive = false, hopByHop = false;
    // Header lines: validated; only the fields that frame the body or concern the connection are read here.
    for (let pos = eol + 2; pos < text.length;) {
      let end = text.indexOf("\r\n", pos);
      if (end < 0) end = text.length;
      const colon = text.indexOf(":", pos);
      const c0 = text.charCodeAt(pos);
      if (colon <= pos || colon > end || c0 === 32 || c0 === 9) throw new HttpParseError("bad header line");
      const last = text.charCodeAt(colon - 1);
      if (last === 32 || last === 9) throw new HttpParseError("whitespace before the header colon");
      const len = colon - pos;
      if (len === 14 || len === 17 || len === 10 || len === 2 || len === 7 || len === 16 || len === 18 || len === 19) {
        const name = text.slice(pos, colon).toLowerCase();
        if (HOP_BY_HOP.has(name)) hopByHop = true;
        if (name === "content-length") {
          for (const part of text.slice(colon + 1, end).split(",")) {
            const v = part.trim();
            if (!/^\d{1,15}$/.test(v)) throw new HttpParseError("bad content-length");
            if (contentLength >= 0 && Number(v) !== contentLength) throw new HttpParseError("conflicting content-length");
            contentLength = Number(v);
          }
        } else if (name === "transfer-encoding") {
          const codings = text.slice(colon + 1, end).toLowerCase().split(",").map((c) => c.trim()).filter(Boolean);
          chunked = codings.at(-1) === "chunked";
          otherCoding = !chunked && codings.length > 0;
        } else if (name === "connection") {
          for (const t of text.slice(colon + 1, end).toLowerCase().split(",")) {
            const token = t.trim();
            if (token === "close") closeToken = true;
            else if (token === "keep-alive") keepAlive = true;
          }
        }
      }
      pos = end + 2;
    }
    const close = closeToken || (minor === 0 && !keepAlive);
    const head: ResponseHead = new Head(status, eol > 13 ? text.slice(13, eol) : "", minor, close, hopByHop, bytes, text, eol);
    if (status < 200 && !(status === 101 && this.upgrade)) {
      if (status === 101) throw new HttpParseError("unexpected 101 Switching Protocols");
      this.sink.interim?.(head);
      return; // interim response: the final one follows
    }
    if (!(this.noBody || status === 204 || status === 304 || status === 101)) {
      head.framing = chunked ? "chunked" : otherCoding || contentLength < 0 ? "close" : contentLength > 0 ? "length" : "none";
    }
    if (head.framing === "close") head.close = true;
    if (head.framing === "none") {
      this.state = State.Done; // set before the sink sees the head
      this.sink.head(head);
      this.finish();
      return;
    }
    this.state = State.Body;
    this.sink.head(head);
    this.reader = new BodyReader(head.framing, contentLength, this.raw ? undefined : this.sink);
  }

  private finish() {
    this.state = State.Done;
    this.sink.end(this.reader?.trailers ?? []);
  }
}
