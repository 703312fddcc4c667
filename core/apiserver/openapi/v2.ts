/**
 * `/openapi/v2`: kubectl 1.27 and 1.28 check `fieldValidation` support (and so whether `apply`,
 * `create -f`, `replace` and `edit` work without --validate=false) against OpenAPI v2 only, which
 * they fetch as gnostic protobuf (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`).
 * The v2 document is derived from the v3 ones: every path with its operations, each carrying
 * `x-kubernetes-group-version-kind` and its query parameters (cli-runtime v0.27
 * `query_param_verifier.go` `supportsQueryParam` reads exactly these). Both forms carry the
 * `definitions` of every kind, built-in (v2-definitions.ts) and custom (what upstream's
 * crd_publish_openapi e2e tests wait for): kubectl 1.27's apply computes strategic merge patches
 * from them, `kubectl explain --output=plaintext-openapiv2` prints them, and client-go based tools
 * (Argo CD, Helm, the Terraform provider) read kinds' types from them.
 */
import { KUBERNETES_VERSION } from "../version/version.ts";
import { ProtoWriter } from "./proto-writer.ts";
import { writeV2Schema } from "./v2-schema-proto.ts";

/** The response Content-Type kube-openapi sends (Go's mime parser rejects the `@` form clients ask for). */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

const OPS = ["get", "put", "post", "delete", "patch"] as const;
/** gnostic `PathItem` field numbers. */
const OP_FIELD: Record<(typeof OPS)[number], number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

interface V3Param { name: string; in: string; required?: boolean; description?: string }
interface V3Op { operationId?: string; tags?: string[]; parameters?: V3Param[]; [ext: `x-${string}`]: unknown }
type V3PathItem = Partial<Record<(typeof OPS)[number], V3Op>> & { parameters?: V3Param[] };
export interface V3Doc { paths: Record<string, V3PathItem>; components?: { schemas?: Record<string, unknown> } }

/** Swagger 2.0 JSON of the same paths and `definitions` (served when protobuf is not asked for). */
export function openApiV2Json(docs: readonly V3Doc[], definitions: Readonly<Record<string, unknown>> = {}): unknown {
  const paths: Record<string, unknown> = {};
  for (const doc of docs) {
    for (const [path, item] of Object.entries(doc.paths)) {
      const out: Record<string, unknown> = {};
      for (const verb of OPS) {
        const op = item[verb];
        if (!op) continue;
        const { parameters, ...rest } = op;
        out[verb] = { ...rest, parameters: (parameters ?? []).map(v2Param), responses: { "200": { description: "OK" } } };
      }
      if (item.parameters) out.parameters = item.parameters.map(v2Param);
      paths[path] = out;
    }
  }
  return { swagger: "2.0", info: { title: "Kubernetes", version: KUBERNETES_VERSION.gitVersion }, paths, definitions };
}

function v2Param(p: V3Param): Record<string, unknown> {
  return { name: p.name, in: p.in, type: "string", uniqueItems: true, ...(p.required ? { required: true } : {}), ...(p.description ? { description: p.description } : {}) };
}

/** gnostic `openapi.v2.Document` bytes. */
export function openApiV2Protobuf(docs: readonly V3Doc[], definitions: Readonly<Record<string, Record<string, unknown>>> = {}): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, "2.0");
  w.message(2, (info) => { info.string(1, "Kubernetes"); info.string(2, KUBERNETES_VERSION.gitVersion); });
  w.message(8, (paths) => {
    for (const doc of docs) {
      for (const [path, item] of Object.entries(doc.paths)) {
        paths.message(2, (named) => {
          named.string(1, path);
          named.message(2, (pi) => {
            for (const verb of OPS) {
              const op = item[verb];
              if (op) pi.message(OP_FIELD[verb], (o) => writeOperation(o, op));
            }
            for (const p of item.parameters ?? []) pi.message(9, (pw) => writeParameter(pw, p));
          });
        });
      }
    }
  });
  w.message(9, (defs) => {
    for (const [name, schema] of Object.entries(definitions)) {
      defs.message(1, (named) => { named.string(1, name); named.message(2, (sw) => writeV2Schema(sw, schema)); });
    }
  });
  return w.finish();
}

function writeOperation(w: ProtoWriter, op: V3Op): void {
  for (const t of op.tags ?? []) w.string(1, t);
  if (op.operationId) w.string(5, op.operationId);
  for (const p of op.parameters ?? []) w.message(8, (pw) => writeParameter(pw, p));
  w.message(9, (responses) => responses.message(1, (named) => {
    named.string(1, "200");
    named.message(2, (rv) => rv.message(1, (r) => r.string(1, "OK")));
  }));
  for (const [key, value] of Object.entries(op)) {
    if (!key.startsWith("x-")) continue;
    // NamedAny{name, value: Any{yaml}}; JSON is valid YAML.
    w.message(13, (named) => { named.string(1, key); named.message(2, (any) => any.string(2, JSON.stringify(value))); });
  }
}

/** ParametersItem{parameter: Parameter{non_body_parameter: NonBodyParameter{query|path sub schema}}}. */
function writeParameter(w: ProtoWriter, p: V3Param): void {
  const sub = p.in === "path" ? 4 : p.in === "header" ? 1 : 3;
  w.message(1, (param) => param.message(2, (nonBody) => nonBody.message(sub, (s) => {
    if (p.required) s.bool(1, true);
    s.string(2, p.in);
    if (p.description) s.string(3, p.description);
    s.string(4, p.name);
    // `type` is field 6 in the query sub-schema, 5 in the header and path ones.
    s.string(sub === 3 ? 6 : 5, "string");
  })));
}
