/**
 * Decodes a Kubernetes protobuf request body (`application/vnd.kubernetes.protobuf`): the magic
 * `k8s\0` then a runtime.Unknown `{1: typeMeta{1: apiVersion, 2: kind}, 2: raw, 3:
 * contentEncoding, 4: contentType}`; `raw` is the object message of the declared kind. The
 * result is the JSON object a client would have sent (apiVersion and kind first).
 * Throws ProtobufDecodeError for bad magic, malformed wire data or an undeclared kind.
 */
import { BUILTIN_API, type ApiRegistry } from "@lite/sdk";
import { decodeMessage } from "./decode-message.ts";
import { utf8 } from "./well-known.ts";
import { ProtobufWireError, WIRE_LEN, WireReader } from "./wire-reader.ts";

export const KUBERNETES_PROTOBUF_MAGIC = new Uint8Array([0x6b, 0x38, 0x73, 0x00]);
export const KUBERNETES_PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";

export class ProtobufDecodeError extends Error {
  override readonly name = "ProtobufDecodeError";
}

export interface DecodedProtobufObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly object: Record<string, unknown>;
}

export function decodeKubernetesProtobuf(body: Uint8Array, registry: ApiRegistry = BUILTIN_API): DecodedProtobufObject {
  if (body.length < 4 || KUBERNETES_PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufDecodeError("protobuf body does not start with the k8s\\0 magic");
  }
  try {
    const unknown = readUnknown(body.subarray(4));
    if (unknown.contentEncoding) throw new ProtobufDecodeError(`unsupported protobuf content encoding "${unknown.contentEncoding}"`);
    const { apiVersion, kind } = unknown;
    if (!kind) throw new ProtobufDecodeError("protobuf body has no kind");
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const type = registry.kindType(group, version, kind);
    if (!type) throw new ProtobufDecodeError(`no protobuf decoding for ${apiVersion}, Kind=${kind}`);
    const decoded = decodeMessage(registry, type.key, unknown.raw);
    return { apiVersion, kind, object: { apiVersion, kind, ...decoded } };
  } catch (err) {
    if (err instanceof ProtobufWireError) throw new ProtobufDecodeError(`malformed protobuf body: ${err.message}`, { cause: err });
    throw err;
  }
}

interface RuntimeUnknown {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

function readUnknown(bytes: Uint8Array): RuntimeUnknown {
  const out: RuntimeUnknown = { apiVersion: "", kind: "", raw: new Uint8Array(0), contentEncoding: "", contentType: "" };
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (wire !== WIRE_LEN) { r.skip(wire); continue; }
    const value = r.bytes();
    if (field === 1) {
      const tm = new WireReader(value);
      while (!tm.done) {
        const t = tm.tag();
        if (t.wire !== WIRE_LEN) { tm.skip(t.wire); continue; }
        if (t.field === 1) out.apiVersion = utf8(tm.bytes());
        else if (t.field === 2) out.kind = utf8(tm.bytes());
        else tm.skip(t.wire);
      }
    } else if (field === 2) out.raw = value;
    else if (field === 3) out.contentEncoding = utf8(value);
    else if (field === 4) out.contentType = utf8(value);
  }
  return out;
}
