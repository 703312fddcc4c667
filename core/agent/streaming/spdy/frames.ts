/**
 * SPDY/3.1 frames: their in-memory shapes and their wire encoding (draft-mbelshe-httpbis-spdy-00,
 * plus the 3.1 session-level WINDOW_UPDATE on stream 0).
 *
 * Control frame: `1 | version(15) | type(16) | flags(8) | length(24) | payload`.
 * Data frame:    `0 | stream-id(31) | flags(8) | length(24) | payload`.
 *
 * Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) travel zlib-compressed; this module deals only
 * in the compressed bytes and leaves the shared zlib streams to `header-compression.ts`.
 */

export const SPDY_VERSION = 3;
/** Payload lengths are 24-bit. */
export const MAX_FRAME_PAYLOAD = 0xffffff;
/** The initial stream and session flow-control window of SPDY/3.1. */
export const DEFAULT_WINDOW = 64 * 1024;

export const ControlType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const FLAG_SETTINGS_CLEAR = 0x01;
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** Header names are lower case; several values of one name are joined with NUL, as on the wire. */
export type SpdyHeaders = Record<string, string>;

export interface DataFrame { kind: "data"; streamId: number; fin: boolean; data: Uint8Array }
export interface SynStreamFrame {
  kind: "syn_stream";
  streamId: number;
  associatedId: number;
  /** 0 (highest) … 7. */
  priority: number;
  fin: boolean;
  unidirectional: boolean;
  headers: SpdyHeaders;
}
export interface SynReplyFrame { kind: "syn_reply"; streamId: number; fin: boolean; headers: SpdyHeaders }
export interface HeadersFrame { kind: "headers"; streamId: number; fin: boolean; headers: SpdyHeaders }
export interface RstStreamFrame { kind: "rst_stream"; streamId: number; status: number }
export interface SettingsEntry { id: number; flags: number; value: number }
export interface SettingsFrame { kind: "settings"; clear: boolean; entries: SettingsEntry[] }
export interface PingFrame { kind: "ping"; id: number }
export interface GoAwayFrame { kind: "goaway"; lastGoodStreamId: number; status: number }
/** streamId 0 is the SPDY/3.1 session window. */
export interface WindowUpdateFrame { kind: "window_update"; streamId: number; delta: number }
/** A control frame of a type this implementation does not know; the spec says to ignore it. */
export interface UnknownFrame { kind: "unknown"; type: number }

export type Frame =
  | DataFrame
  | SynStreamFrame
  | SynReplyFrame
  | HeadersFrame
  | RstStreamFrame
  | SettingsFrame
  | PingFrame
  | GoAwayFrame
  | WindowUpdateFrame
  | UnknownFrame;

export type HeaderFrame = SynStreamFrame | SynReplyFrame | HeadersFrame;

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpdyProtocolError";
  }
}

export function hasHeaderBlock(frame: Frame): frame is HeaderFrame {
  return frame.kind === "syn_stream" || frame.kind === "syn_reply" || frame.kind === "headers";
}

/** One frame cut from the byte stream, not yet interpreted. */
export interface RawFrame {
  control: boolean;
  /** Control frames: the frame type. Data frames: 0. */
  type: number;
  /** Data frames: the stream id. Control frames: 0. */
  streamId: number;
  version: number;
  flags: number;
  payload: Uint8Array;
}

const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function controlFrame(type: number, flags: number, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`frame payload of ${payload.length} bytes is too large`);
  const out = new Uint8Array(8 + payload.length);
  out[0] = 0x80 | (SPDY_VERSION >> 8);
  out[1] = SPDY_VERSION & 0xff;
  out[2] = type >> 8;
  out[3] = type & 0xff;
  put32(out, 4, payload.length);
  out[4] = flags;
  out.set(payload, 8);
  return out;
}

/**
 * Encodes a frame. Frames with a header block need `compressedHeaders`: the block already run
 * through this direction's zlib stream (see HeaderCompressor).
 */
export function encodeFrame(frame: Frame, compressedHeaders?: Uint8Array): Uint8Array {
  switch (frame.kind) {
    case "data": {
      if (frame.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError("data frame too large");
      const out = new Uint8Array(8 + frame.data.length);
      put32(out, 0, frame.streamId & 0x7fffffff);
      put32(out, 4, frame.data.length);
      out[4] = frame.fin ? FLAG_FIN : 0;
      out.set(frame.data, 8);
      return out;
    }
    case "syn_stream": {
      const block = needBlock(compressedHeaders);
      const p = new Uint8Array(10 + block.length);
      put32(p, 0, frame.streamId & 0x7fffffff);
      put32(p, 4, frame.associatedId & 0x7fffffff);
      p[8] = (frame.priority & 0x07) << 5;
      p[9] = 0; // credential slot
      p.set(block, 10);
      return controlFrame(ControlType.SYN_STREAM, (frame.fin ? FLAG_FIN : 0) | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0), p);
    }
    case "syn_reply":
    case "headers": {
      const block = needBlock(compressedHeaders);
      const p = new Uint8Array(4 + block.length);
      put32(p, 0, frame.streamId & 0x7fffffff);
      p.set(block, 4);
      return controlFrame(frame.kind === "syn_reply" ? ControlType.SYN_REPLY : ControlType.HEADERS, frame.fin ? FLAG_FIN : 0, p);
    }
    case "rst_stream": {
      const p = new Uint8Array(8);
      put32(p, 0, frame.streamId & 0x7fffffff);
      put32(p, 4, frame.status);
      return controlFrame(ControlType.RST_STREAM, 0, p);
    }
    case "settings": {
      const p = new Uint8Array(4 + 8 * frame.entries.length);
      put32(p, 0, frame.entries.length);
      frame.entries.forEach((e, i) => {
        put32(p, 4 + 8 * i, e.id & 0xffffff);
        p[4 + 8 * i] = e.flags;
        put32(p, 8 + 8 * i, e.value);
      });
      return controlFrame(ControlType.SETTINGS, frame.clear ? FLAG_SETTINGS_CLEAR : 0, p);
    }
    case "ping": {
      const p = new Uint8Array(4);
      put32(p, 0, frame.id);
      return controlFrame(ControlType.PING, 0, p);
    }
    case "goaway": {
      const p = new Uint8Array(8);
      put32(p, 0, frame.lastGoodStreamId & 0x7fffffff);
      put32(p, 4, frame.status);
      return controlFrame(ControlType.GOAWAY, 0, p);
    }
    case "window_update": {
      const p = new Uint8Array(8);
      put32(p, 0, frame.streamId & 0x7fffffff);
      put32(p, 4, frame.delta & 0x7fffffff);
      return controlFrame(ControlType.WINDOW_UPDATE, 0, p);
    }
    case "unknown":
      throw new SpdyProtocolError(`cannot encode unknown control frame type ${frame.type}`);
  }
}

function needBlock(block: Uint8Array | undefined): Uint8Array {
  if (!block) throw new SpdyProtocolError("a header frame needs its compressed header block");
  return block;
}

/**
 * Interprets a raw frame. Header frames come back with empty `headers` and their still-compressed
 * block in `compressedHeaders`, which the caller must inflate in arrival order (the zlib stream is
 * shared by every header frame of the connection, in order).
 */
export function decodeFrame(raw: RawFrame): { frame: Frame; compressedHeaders?: Uint8Array } {
  const p = raw.payload;
  if (!raw.control) return { frame: { kind: "data", streamId: raw.streamId, fin: (raw.flags & FLAG_FIN) !== 0, data: p } };
  if (raw.version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${raw.version}`);
  const fin = (raw.flags & FLAG_FIN) !== 0;
  const need = (n: number) => {
    if (p.length < n) throw new SpdyProtocolError(`control frame type ${raw.type} is too short (${p.length} bytes)`);
  };
  switch (raw.type) {
    case ControlType.SYN_STREAM:
      need(10);
      return {
        frame: {
          kind: "syn_stream",
          streamId: u32(p, 0) & 0x7fffffff,
          associatedId: u32(p, 4) & 0x7fffffff,
          priority: p[8]! >> 5,
          fin,
          unidirectional: (raw.flags & FLAG_UNIDIRECTIONAL) !== 0,
          headers: {},
        },
        compressedHeaders: p.subarray(10),
      };
    case ControlType.SYN_REPLY:
    case ControlType.HEADERS:
      need(4);
      return {
        frame: { kind: raw.type === ControlType.SYN_REPLY ? "syn_reply" : "headers", streamId: u32(p, 0) & 0x7fffffff, fin, headers: {} },
        compressedHeaders: p.subarray(4),
      };
    case ControlType.RST_STREAM:
      need(8);
      return { frame: { kind: "rst_stream", streamId: u32(p, 0) & 0x7fffffff, status: u32(p, 4) } };
    case ControlType.SETTINGS: {
      need(4);
      const count = u32(p, 0);
      if (p.length < 4 + 8 * count) throw new SpdyProtocolError("SETTINGS frame shorter than its entry count");
      const entries: SettingsEntry[] = [];
      for (let i = 0; i < count; i++) {
        const at = 4 + 8 * i;
        entries.push({ flags: p[at]!, id: u32(p, at) & 0xffffff, value: u32(p, at + 4) });
      }
      return { frame: { kind: "settings", clear: (raw.flags & FLAG_SETTINGS_CLEAR) !== 0, entries } };
    }
    case ControlType.PING:
      need(4);
      return { frame: { kind: "ping", id: u32(p, 0) } };
    case ControlType.GOAWAY:
      need(4);
      return { frame: { kind: "goaway", lastGoodStreamId: u32(p, 0) & 0x7fffffff, status: p.length >= 8 ? u32(p, 4) : 0 } };
    case ControlType.WINDOW_UPDATE:
      need(8);
      return { frame: { kind: "window_update", streamId: u32(p, 0) & 0x7fffffff, delta: u32(p, 4) & 0x7fffffff } };
    default:
      return { frame: { kind: "unknown", type: raw.type } };
  }
}
