import { describe, expect, test } from "bun:test";
import { builtinResources, createResourceRegistry } from "../resources/index.ts";
import { createBuiltinSchemaProvider } from "./builtin-schema-provider.ts";
import { withDefSchemas } from "./def-schemas.ts";
import { createOpenApiService } from "./serve.ts";
import { v2Schema } from "./v2-definitions.ts";

type Json = Record<string, unknown>;

const service = () => createOpenApiService(createResourceRegistry(builtinResources()), withDefSchemas(createBuiltinSchemaProvider()));

async function v2(accept: string): Promise<Response> {
  const url = new URL("https://x/openapi/v2");
  const res = service().serve(new Request(url.href, { headers: { Accept: accept } }), url);
  if (!res) throw new Error("not served");
  return res;
}

/** Every schema node under `s`, with its path. */
function* nodes(s: Json, path: string): Generator<[string, Json]> {
  yield [path, s];
  for (const [n, p] of Object.entries((s.properties ?? {}) as Record<string, Json>)) yield* nodes(p, `${path}.${n}`);
  if (s.items) yield* nodes(s.items as Json, `${path}[]`);
  if (s.additionalProperties && typeof s.additionalProperties === "object") yield* nodes(s.additionalProperties as Json, `${path}{}`);
  for (const a of (s.allOf ?? []) as Json[]) yield* nodes(a, `${path}&`);
}

// ---- a gnostic Schema decoder, enough to read back what v2-schema-proto.ts writes ----
type Field = Uint8Array | number | bigint;
function fields(buf: Uint8Array): [number, number, Field][] {
  const out: [number, number, Field][] = [];
  let at = 0;
  const varint = () => { let v = 0n, shift = 0n, b = 0; do { b = buf[at++]!; v |= BigInt(b & 0x7f) << shift; shift += 7n; } while (b & 0x80); return v; };
  while (at < buf.length) {
    const tag = Number(varint());
    const n = tag >> 3, wire = tag & 7;
    if (wire === 0) out.push([n, wire, varint()]);
    else if (wire === 1) { out.push([n, wire, new DataView(buf.buffer, buf.byteOffset + at, 8).getFloat64(0, true)]); at += 8; }
    else if (wire === 2) { const len = Number(varint()); out.push([n, wire, buf.subarray(at, at + len)]); at += len; }
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}
const text = (b: Field) => new TextDecoder().decode(b as Uint8Array);
const anyValue = (b: Field) => JSON.parse(text(fields(b as Uint8Array).find(([n]) => n === 2)![2]));

function decodeSchema(buf: Uint8Array): Json {
  const s: Json = {};
  const names: Record<number, string> = { 1: "$ref", 2: "format", 3: "title", 4: "description", 13: "pattern" };
  for (const [n, , v] of fields(buf)) {
    if (names[n]) s[names[n]!] = text(v);
    else if (n === 19) s.required = [...(s.required as string[] ?? []), text(v)];
    else if (n === 20) s.enum = [...(s.enum as unknown[] ?? []), anyValue(v)];
    else if (n === 5) s.default = anyValue(v);
    else if (n === 22) s.type = text(fields(v as Uint8Array)[0]![2]);
    else if (n === 21) { const [[k, , x]] = fields(v as Uint8Array) as [[number, number, Field]]; s.additionalProperties = k === 2 ? x === 1n : decodeSchema(x as Uint8Array); }
    else if (n === 23) s.items = decodeSchema(fields(v as Uint8Array)[0]![2] as Uint8Array);
    else if (n === 25) {
      s.properties = Object.fromEntries(fields(v as Uint8Array).map(([, , named]) => {
        const f = fields(named as Uint8Array);
        return [text(f.find(([k]) => k === 1)![2]), decodeSchema(f.find(([k]) => k === 2)![2] as Uint8Array)];
      }));
    } else if (n === 31) {
      const f = fields(v as Uint8Array);
      s[text(f.find(([k]) => k === 1)![2])] = anyValue(f.find(([k]) => k === 2)![2]);
    } else throw new Error(`unexpected Schema field ${n}`);
  }
  return s;
}

describe("/openapi/v2 definitions of the built-in kinds", () => {
  test("hold what kube-openapi's v2 parser requires: refs resolve, arrays have items, one type, bare refs", async () => {
    const doc = await (await v2("application/json")).json() as { definitions: Record<string, Json> };
    const defs = doc.definitions;
    expect(Object.keys(defs).length).toBeGreaterThan(300);
    const problems: string[] = [];
    for (const [name, def] of Object.entries(defs)) {
      for (const [path, s] of nodes(def, name)) {
        if (typeof s.$ref === "string") {
          if (!s.$ref.startsWith("#/definitions/") || !defs[s.$ref.slice("#/definitions/".length)]) problems.push(`${path}: dangling ${s.$ref}`);
          if (s.type !== undefined || s.properties !== undefined) problems.push(`${path}: $ref with type or properties`);
        }
        if (s.type === "array" && (typeof s.items !== "object" || Array.isArray(s.items))) problems.push(`${path}: array without one items schema`);
        if (Array.isArray(s.type)) problems.push(`${path}: several types`);
        if (s.oneOf || s.anyOf || s.nullable !== undefined) problems.push(`${path}: v3-only keyword`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("each group-version-kind names exactly one definition (managedfields' GVK parser refuses duplicates)", async () => {
    const { definitions } = await (await v2("application/json")).json() as { definitions: Record<string, Json> };
    const owner = new Map<string, string[]>();
    for (const [name, def] of Object.entries(definitions)) {
      for (const g of (def["x-kubernetes-group-version-kind"] ?? []) as { group: string; version: string; kind: string }[]) {
        const key = `${g.group}/${g.version}/${g.kind}`;
        owner.set(key, [...(owner.get(key) ?? []), name]);
      }
    }
    expect([...owner].filter(([, names]) => names.length > 1)).toEqual([]);
    expect(owner.get("apps/v1/Deployment")).toEqual(["io.k8s.api.apps.v1.Deployment"]);
    expect(owner.get("/v1/Pod")).toEqual(["io.k8s.api.core.v1.Pod"]);
    // DeleteOptions carries every group-version's GVK, as upstream.
    expect(owner.get("apps/v1/DeleteOptions")).toEqual(["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]);
    expect(owner.get("batch/v1/DeleteOptions")).toEqual(["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]);
  });

  test("fields read as upstream's v2: refs beside their description, patch extensions, int-or-string as a string", async () => {
    const { definitions } = await (await v2("application/json")).json() as { definitions: Record<string, Json> };
    const spec = (definitions["io.k8s.api.core.v1.Pod"]!.properties as Record<string, Json>).spec!;
    expect(spec.$ref).toBe("#/definitions/io.k8s.api.core.v1.PodSpec");
    expect(typeof spec.description).toBe("string");
    const containers = (definitions["io.k8s.api.core.v1.PodSpec"]!.properties as Record<string, Json>).containers!;
    expect(containers).toMatchObject({ type: "array", items: { $ref: "#/definitions/io.k8s.api.core.v1.Container" }, "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name" });
    expect(definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]).toMatchObject({ type: "string", format: "int-or-string" });
    expect(definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]).toMatchObject({ type: "string" });
  });

  test("the protobuf form carries the same definitions (decoded field by field)", async () => {
    const json = await (await v2("application/json")).json() as { definitions: Record<string, Json> };
    const pb = new Uint8Array(await (await v2("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")).arrayBuffer());
    const defsField = fields(pb).find(([n]) => n === 9)![2] as Uint8Array;
    const decoded: Record<string, Json> = {};
    for (const [, , named] of fields(defsField)) {
      const f = fields(named as Uint8Array);
      decoded[text(f.find(([k]) => k === 1)![2])] = decodeSchema(f.find(([k]) => k === 2)![2] as Uint8Array);
    }
    expect(decoded).toEqual(json.definitions);
  });

  test("v2Schema unwraps allOf refs and leaves its input alone", () => {
    const input = { allOf: [{ $ref: "#/components/schemas/a.B" }], description: "d", "x-kubernetes-patch-strategy": "merge" };
    const copy = structuredClone(input);
    expect(v2Schema(input)).toEqual({ $ref: "#/definitions/a.B", description: "d", "x-kubernetes-patch-strategy": "merge" });
    expect(input).toEqual(copy);
  });
});
