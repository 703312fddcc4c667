/**
 * The CRI v1 wire codec: cri.proto (inlined as text, so it also loads inside a compiled binary)
 * parsed once into per-method encoders and decoders.
 *
 * Contract: requests are plain objects in the lowerCamelCase shapes of types.ts (enums as their
 * names, int64 as numbers); decoded responses use the same shapes, with int64 as numbers, enums
 * as names, absent scalars/lists/maps as their defaults, bytes as Uint8Array, and absent messages
 * left out (undefined, never null).
 */
import protoText from "./cri.proto" with { type: "text" };
import protobuf from "protobufjs";
import { fromJSON, type MethodDefinition } from "@grpc/proto-loader";

export type CriService = "RuntimeService" | "ImageService";

/** Everything needed to make one unary call. */
export interface CriMethod {
  /** The gRPC path, e.g. `/runtime.v1.RuntimeService/Version`. */
  readonly path: string;
  readonly encodeRequest: (req: object) => Buffer;
  readonly decodeRequest: (bytes: Buffer) => unknown;
  readonly encodeResponse: (res: object) => Buffer;
  readonly decodeResponse: (bytes: Buffer) => unknown;
}

const LOADER_OPTIONS = { longs: Number, enums: String, defaults: true, oneofs: true };

let methods: Map<string, CriMethod> | undefined;
let root: protobuf.Root | undefined;

/**
 * cri.proto parsed once (keepCase false: snake_case fields renamed to lowerCamelCase), shared by
 * the codec and crictl's output formatting.
 */
export function criProtoRoot(): protobuf.Root {
  root ??= protobuf.parse(protoText, { keepCase: false }).root;
  return root;
}

/** The codec of `service/method`; throws for a method cri.proto does not describe. */
export function criMethod(service: CriService, method: string): CriMethod {
  methods ??= loadMethods();
  const found = methods.get(`${service}/${method}`);
  if (!found) throw new Error(`cri.proto has no ${service}.${method}`);
  return found;
}

function loadMethods(): Map<string, CriMethod> {
  // keepCase false: protobufjs renames snake_case fields to lowerCamelCase at parse time, which
  // is what fromJSON (unlike loadSync) then keeps.
  const definition = fromJSON(criProtoRoot().toJSON(), LOADER_OPTIONS);
  const out = new Map<string, CriMethod>();
  for (const service of ["RuntimeService", "ImageService"] as const) {
    const svc = definition[`runtime.v1.${service}`] as Record<string, MethodDefinition<object, object>>;
    for (const [name, m] of Object.entries(svc)) {
      out.set(`${service}/${name}`, {
        path: m.path,
        encodeRequest: (req) => m.requestSerialize(req),
        decodeRequest: (bytes) => withoutNulls(m.requestDeserialize(bytes)),
        encodeResponse: (res) => m.responseSerialize(res),
        decodeResponse: (bytes) => withoutNulls(m.responseDeserialize(bytes)),
      });
    }
  }
  return out;
}

/** `defaults: true` renders absent sub-messages as null; the types.ts shapes use undefined. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (obj[key] === null) delete obj[key];
    else obj[key] = withoutNulls(obj[key]);
  }
  return obj;
}
