/**
 * HTTP/1.x request heads as a proxy needs them (RFC 9112): the request line, the fields that frame
 * the message and decide the connection's fate (Host, Content-Length, Transfer-Encoding,
 * Connection, Upgrade), and where each header line sits, so the head can be forwarded by splicing
 * its text rather than rebuilding it.
 *
 * Rejected with HttpParseError (and the status to answer): a malformed request line or header line
 * (obs-fold, whitespace before the colon, a bare CR or LF, NUL), an unsupported version (400); two
 * Host fields, Content-Length not a number or conflicting, Content-Length with Transfer-Encoding,
 * Transfer-Encoding in HTTP/1.0 (400); a transfer coding other than `chunked` (501); a head over
 * 64 KiB (431).
 */
import { HttpParseError } from "./http1-body.ts";

export { HttpParseError };

export interface RequestHead {
  method: string;
  /** The request target in origin form (path and query): an absolute-form target loses its scheme and authority. */
  target: string;
  /** HTTP/1.x minor version. */
  minor: number;
  /** The Host field's value, or null without one. */
  host: string | null;
  /** How the body is framed: none, `Content-Length` (contentLength > 0), or chunked. */
  framing: "none" | "length" | "chunked";
  contentLength: number;
  /** The client will not send another request on this connection (`Connection: close`, or HTTP/1.0). */
  close: boolean;
  /** The Upgrade field's value when the request asks to switch protocols (`Connection: upgrade`), else null. */
  upgrade: string | null;
  /** Field names listed in Connection besides close, keep-alive and upgrade (lower-case), or null. */
  connectionTokens: string[] | null;
  /** The head's text (latin1), request line to the last field line, without the final CRLF CRLF. */
  text: string;
  /** Where the header lines start in `text` (after the request line's CRLF; text.length without any). */
  fieldsStart: number;
  /** A field a proxy drops or replaces is present (FORWARDING_FIELDS): the head must be rewritten line by line. */
  rewrite: boolean;
  /** Offset just past the head (its CRLF CRLF) in the buffer it was parsed from. */
  end: number;
  /** Header fields middlewares set (a value) or remove (null), lower-case names; null when none. */
  edits: Map<string, string | null> | null;
}

const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n");
/** Hop-by-hop fields and the ones a proxy sets itself (forwarded-head.ts). */
export const FORWARDING_FIELDS = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "upgrade",
  "x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-forwarded-server", "x-real-ip"]);
/** Lengths of the field names read here or in FORWARDING_FIELDS: other names are not even lower-cased. */
const INTERESTING = new Uint8Array(32);
for (const n of [...FORWARDING_FIELDS, "host", "content-length", "transfer-encoding"]) INTERESTING[n.length] = 1;

/** tchar (RFC 9110 §5.6.2), upper case included. */
const TCHAR = new Uint8Array(128);
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[ch.charCodeAt(0)] = 1;
/** A CR not followed by LF, an LF not preceded by CR, or NUL. */
const BARE_CR_LF = /\r(?!\n)|(?<!\r)\n|\0/;

function isToken(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/**
 * Parses the request head starting at buf[start]: the head, or null while it is incomplete.
 * Empty lines before the request line are skipped (RFC 9112 §2.2).
 */
export function parseRequestHead(buf: Buffer, start = 0): RequestHead | null {
  while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  const endIndex = buf.indexOf(CRLFCRLF, start);
  if (endIndex < 0) {
    if (buf.length - start > MAX_HEAD) throw new HttpParseError("request head too large", 431);
    return null;
  }
  if (endIndex - start > MAX_HEAD) throw new HttpParseError("request head too large", 431);
  const text = buf.toString("latin1", start, endIndex);
  if (BARE_CR_LF.test(text)) throw new HttpParseError("bare CR or LF, or NUL, in the request head");

  // Request line: method SP target SP HTTP/1.x
  let eol = text.indexOf("\r\n");
  if (eol < 0) eol = text.length;
  const sp1 = text.indexOf(" ");
  const sp2 = sp1 < 0 ? -1 : text.indexOf(" ", sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || sp2 > eol || sp2 === sp1 + 1) throw new HttpParseError("bad request line");
  const method = text.slice(0, sp1);
  let target = text.slice(sp1 + 1, sp2);
  const version = text.slice(sp2 + 1, eol);
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") throw new HttpParseError(version.startsWith("HTTP/") ? "unsupported HTTP version" : "bad request line", version.startsWith("HTTP/") ? 505 : 400);
  if (!isToken(text, 0, sp1)) throw new HttpParseError("bad request line");
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c === 0x7f) throw new HttpParseError("bad request target");
  }
  if (target.charCodeAt(0) !== 47 /* / */) {
    const scheme = target.startsWith("http://") ? 7 : target.startsWith("https://") ? 8 : 0;
    if (scheme) {
      const slash = target.indexOf("/", scheme);
      target = slash < 0 ? "/" : target.slice(slash);
    } else if (!(target === "*" && method === "OPTIONS")) throw new HttpParseError("bad request target");
  }
  const minor = version === "HTTP/1.1" ? 1 : 0;

  let host: string | null = null, contentLength = -1, chunked = false, closeToken = false, keepAlive = false, upgradeToken = false;
  let upgrade: string | null = null, connectionTokens: string[] | null = null;
  let rewrite = false;
  let pos = eol + 2;
  while (pos < text.length) {
    let lineEnd = text.indexOf("\r\n", pos);
    if (lineEnd < 0) lineEnd = text.length;
    const c0 = text.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) throw new HttpParseError("obsolete line folding");
    const colon = text.indexOf(":", pos);
    if (colon < 0 || colon >= lineEnd) throw new HttpParseError("header line without a colon");
    if (!isToken(text, pos, colon)) throw new HttpParseError("bad header name");
    if (colon - pos >= 32 || INTERESTING[colon - pos] === 0) { pos = lineEnd + 2; continue; }
    const name = text.slice(pos, colon).toLowerCase();
    if (FORWARDING_FIELDS.has(name)) rewrite = true;
    switch (name) {
      case "host":
        if (host !== null) throw new HttpParseError("two Host fields");
        host = text.slice(colon + 1, lineEnd).trim();
        break;
      case "content-length":
        for (const part of text.slice(colon + 1, lineEnd).split(",")) {
          const v = part.trim();
          if (!/^\d{1,15}$/.test(v)) throw new HttpParseError("bad Content-Length");
          if (contentLength >= 0 && Number(v) !== contentLength) throw new HttpParseError("conflicting Content-Length");
          contentLength = Number(v);
        }
        break;
      case "transfer-encoding":
        if (chunked || text.slice(colon + 1, lineEnd).trim().toLowerCase() !== "chunked") throw new HttpParseError("unsupported transfer coding", 501);
        chunked = true;
        break;
      case "connection":
        for (const t of text.slice(colon + 1, lineEnd).split(",")) {
          const token = t.trim().toLowerCase();
          if (token === "close") closeToken = true;
          else if (token === "keep-alive") keepAlive = true;
          else if (token === "upgrade") upgradeToken = true;
          else if (token) (connectionTokens ??= []).push(token);
        }
        break;
      case "upgrade":
        upgrade = text.slice(colon + 1, lineEnd).trim();
        break;
    }
    pos = lineEnd + 2;
  }
  if (chunked && contentLength >= 0) throw new HttpParseError("both Content-Length and Transfer-Encoding");
  if (chunked && minor === 0) throw new HttpParseError("Transfer-Encoding in HTTP/1.0");
  return {
    method, target, minor, host,
    framing: chunked ? "chunked" : contentLength > 0 ? "length" : "none",
    contentLength: Math.max(contentLength, 0),
    close: closeToken || minor === 0 && !keepAlive,
    upgrade: upgradeToken && upgrade ? upgrade : null,
    connectionTokens, text, fieldsStart: Math.min(eol + 2, text.length), rewrite,
    end: endIndex + 4, edits: null,
  };
}

/** The head's header lines: name (lower-case) and value (trimmed), in order. */
export function headerLines(head: RequestHead): { name: string; value: string; start: number; end: number }[] {
  const out: { name: string; value: string; start: number; end: number }[] = [];
  const text = head.text;
  for (let pos = head.fieldsStart; pos < text.length;) {
    let end = text.indexOf("\r\n", pos);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", pos);
    out.push({ name: text.slice(pos, colon).toLowerCase(), value: text.slice(colon + 1, end).trim(), start: pos, end });
    pos = end + 2;
  }
  return out;
}

/** The value of the first header field named `name` (lower-case), or null. */
export function headerValue(head: RequestHead, name: string): string | null {
  return headerLines(head).find((l) => l.name === name)?.value ?? null;
}
