// SPDY clients behind the HTTPS front. kubectl before 1.30 (exec/attach) and 1.31 (port-forward),
// and client-go's SPDY executor in other tools, ask for `Connection: Upgrade`, `Upgrade: SPDY/3.1`
// with `X-Stream-Protocol-Version` headers. Bun.serve can upgrade to WebSocket only, so the relay
// rewrites such a request into a WebSocket upgrade whose subprotocols are
// `SPDY/3.1+<stream protocol>` (the form kubectl 1.31 itself uses for port-forward), turns the
// 101 back into an SPDY 101 with the chosen stream protocol, and from then on carries the client's
// SPDY bytes in WebSocket binary frames (masked, as a client's must be) and unwraps the server's.
// The API server and the kubelet relay those bytes to containerd's SPDY streaming server unchanged.
// Any other answer (401, 403, 404, ...) reaches the client as it is.
import { randomBytes } from "node:crypto";

export const SPDY_SUBPROTOCOL_PREFIX = "SPDY/3.1+";

/** Size of the first request head we look at; a longer head is not an SPDY upgrade we rewrite. */
export const MAX_SNIFF = 16 * 1024;

/** The WebSocket request replacing an SPDY upgrade request head (through the blank line), or undefined if `head` is not one. */
export function rewriteSpdyUpgrade(head: string): string | undefined {
  const lines = head.split("\r\n");
  const requestLine = lines[0] ?? "";
  const m = /^([A-Z]+) (\S+) HTTP\/1\.1$/.exec(requestLine);
  if (!m) return undefined;
  const protocols: string[] = [];
  let spdy = false;
  const kept: string[] = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "upgrade") { spdy = value.toLowerCase() === "spdy/3.1"; continue; }
    if (name === "x-stream-protocol-version") { protocols.push(...value.split(",").map((v) => v.trim()).filter(Boolean)); continue; }
    if (name === "connection" || name === "content-length" || name === "transfer-encoding" || name.startsWith("sec-websocket-")) continue;
    kept.push(line);
  }
  if (!spdy || protocols.length === 0) return undefined;
  return [
    `GET ${m[2]} HTTP/1.1`, ...kept,
    "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
    `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
    `Sec-WebSocket-Protocol: ${protocols.map((p) => SPDY_SUBPROTOCOL_PREFIX + p).join(", ")}`,
    "", "",
  ].join("\r\n");
}

/**
 * The client's view of the server's answer head (through the blank line): a WebSocket 101 becomes
 * an SPDY 101 with the chosen stream protocol; undefined when it is not a 101 (pass it through).
 */
export function spdyResponseFor(head: string): string | undefined {
  const lines = head.split("\r\n");
  if (!/^HTTP\/1\.1 101\b/.test(lines[0] ?? "")) return undefined;
  const chosen = lines.map((l) => /^sec-websocket-protocol:\s*(.*)$/i.exec(l)?.[1]?.trim()).find(Boolean) ?? "";
  const protocol = chosen.startsWith(SPDY_SUBPROTOCOL_PREFIX) ? chosen.slice(SPDY_SUBPROTOCOL_PREFIX.length) : chosen;
  return `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`;
}

/** One masked client frame (FIN set). */
export function clientFrame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.length;
  const headLen = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headLen + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) { out[1] = 0x80 | 126; out.writeUInt16BE(len, 2); }
  else { out[1] = 0x80 | 127; out.writeBigUInt64BE(BigInt(len), 2); }
  const mask = randomBytes(4);
  mask.copy(out, headLen);
  const body = headLen + 4;
  for (let i = 0; i < len; i++) out[body + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Incremental reader of the server's (unmasked) frames. */
export class ServerFrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ServerFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: ServerFrame[] = [];
    for (;;) {
      if (this.buf.length < 2) break;
      const b1 = this.buf[1]!;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) { if (this.buf.length < 4) break; len = this.buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (this.buf.length < 10) break; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      const masked = (b1 & 0x80) !== 0;
      const start = off + (masked ? 4 : 0);
      if (this.buf.length < start + len) break;
      let payload = this.buf.subarray(start, start + len);
      if (masked) {
        const mask = this.buf.subarray(off, off + 4);
        payload = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!));
      }
      frames.push({ opcode: this.buf[0]! & 0x0f, payload });
      this.buf = this.buf.subarray(start + len);
    }
    return frames;
  }
}
