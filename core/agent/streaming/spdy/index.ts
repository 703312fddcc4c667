/** SPDY/3.1 (the framing kubectl, the API server, the kubelet and containerd stream over). */
export { SPDY3_DICTIONARY } from "./dictionary.ts";
export {
  ControlType,
  DEFAULT_WINDOW,
  GoAwayStatus,
  RstStatus,
  SpdyProtocolError,
  decodeFrame,
  encodeFrame,
  type Frame,
  type RawFrame,
  type SpdyHeaders,
} from "./frames.ts";
export { FrameReader } from "./frame-reader.ts";
export { HeaderCompressor, HeaderDecompressor, decodeHeaderBlock, encodeHeaderBlock } from "./header-compression.ts";
export { SpdySession, type SpdySessionOptions, type SpdyTransport } from "./session.ts";
export { SpdyStream, type StreamEnd } from "./stream.ts";
export { UpgradeFailedError, connectSpdy, type ConnectSpdyOptions } from "./connect.ts";
