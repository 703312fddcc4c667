/** Reading and decoding request bodies: the 3 MiB limit, JSON, YAML, and an optional protobuf hook. */
import { apiErrors } from "../errors/index.ts";
import { bodyMediaType } from "./negotiation.ts";
import { rememberSource } from "./duplicate-fields.ts";

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** Decodes a Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) into a JSON object. */
export type ProtobufDecoder = (bytes: Uint8Array) => unknown;

/**
 * The request body, at most `limit` bytes (413 past it). Read whole: in Bun that skips building a
 * ReadableStream (~60 µs per write), and it is bounded: Bun.serve refuses any body, chunked ones
 * included, past its `maxRequestBodySize` (control-plane.ts sets it just above the limit), and
 * in-process requests carry bodies their callers already hold in memory.
 */
export async function readBodyBytes(req: Request, limit = MAX_REQUEST_BODY_BYTES): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw apiErrors.requestEntityTooLarge(limit);
  const bytes = await req.bytes();
  if (bytes.byteLength > limit) throw apiErrors.requestEntityTooLarge(limit);
  return bytes;
}

function parseJson(text: string): unknown {
  try {
    const body: unknown = JSON.parse(text);
    rememberSource(body, "json", text);
    return body;
  } catch (err) {
    throw apiErrors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

function parseYaml(text: string): unknown {
  try {
    const body: unknown = Bun.YAML.parse(text);
    rememberSource(body, "yaml", text);
    return body;
  } catch (err) {
    throw apiErrors.badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
  }
}

const OBJECT_MEDIA_TYPES = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];

/** Decode an object body (POST/PUT) by Content-Type. */
export async function decodeObjectBody(req: Request, protobuf?: ProtobufDecoder): Promise<unknown> {
  const type = bodyMediaType(req.headers.get("content-type"));
  const bytes = await readBodyBytes(req);
  const text = () => new TextDecoder().decode(bytes);
  switch (type) {
    case "":
    case "application/json": return parseJson(text());
    case "application/yaml": return parseYaml(text());
    case "application/vnd.kubernetes.protobuf":
      if (protobuf) {
        try { return protobuf(bytes); } catch (err) { throw apiErrors.badRequest(`failed to decode protobuf body: ${(err as Error).message}`); }
      }
      break;
  }
  throw apiErrors.unsupportedMediaType(type, protobuf ? OBJECT_MEDIA_TYPES : OBJECT_MEDIA_TYPES.slice(0, 2));
}

/** Decode a DELETE body (DeleteOptions), which may be empty. */
export async function decodeOptionalJsonBody(req: Request): Promise<unknown> {
  const bytes = await readBodyBytes(req);
  if (bytes.byteLength === 0) return undefined;
  const text = new TextDecoder().decode(bytes).trim();
  if (!text) return undefined;
  const type = bodyMediaType(req.headers.get("content-type"));
  return type === "application/yaml" ? parseYaml(text) : parseJson(text);
}

export async function readBodyText(req: Request): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(req));
}

export function parseBodyText(text: string, yaml: boolean): unknown {
  return yaml ? parseYaml(text) : parseJson(text);
}
