import { describe, expect, test } from "bun:test";
import { builtinResources, createResourceRegistry } from "../resources/index.ts";
import { createOpenApiService } from "./serve.ts";
import { emptySchemaProvider } from "./schema-provider.ts";

/** Field number → raw values (length-delimited ones as bytes, varints as numbers). */
function fields(buf: Uint8Array): Map<number, (Uint8Array | number)[]> {
  const out = new Map<number, (Uint8Array | number)[]>();
  let at = 0;
  const varint = () => { let v = 0, mul = 1, b = 0; do { b = buf[at++]!; v += (b & 0x7f) * mul; mul *= 128; } while (b & 0x80); return v; };
  while (at < buf.length) {
    const tag = varint();
    const n = tag >> 3, wire = tag & 7;
    let value: Uint8Array | number;
    if (wire === 0) value = varint();
    else if (wire === 2) { const len = varint(); value = buf.subarray(at, at + len); at += len; }
    else throw new Error(`unexpected wire type ${wire}`);
    out.set(n, [...(out.get(n) ?? []), value]);
  }
  return out;
}
const str = (b: Uint8Array | number | undefined) => new TextDecoder().decode(b as Uint8Array);
const msg = (b: Uint8Array | number | undefined) => fields(b as Uint8Array);

async function fetchV2(accept: string): Promise<Response> {
  const svc = createOpenApiService(createResourceRegistry(builtinResources()), emptySchemaProvider);
  const url = new URL("https://x/openapi/v2");
  const res = svc.serve(new Request(url.href, { headers: { Accept: accept } }), url);
  if (!res) throw new Error("not served");
  return res;
}

describe("/openapi/v2 (kubectl 1.27/1.28 query-param verifier)", () => {
  test("protobuf: the deployment PATCH op carries its GVK and a fieldValidation query parameter", async () => {
    const res = await fetchV2("application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
    expect(res.headers.get("content-type")).toBe("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    const doc = fields(new Uint8Array(await res.arrayBuffer()));
    expect(str(doc.get(1)?.[0])).toBe("2.0");
    const paths = msg(doc.get(8)?.[0]).get(2) ?? [];
    const named = paths.map(msg).find((p) => str(p.get(1)?.[0]) === "/apis/apps/v1/namespaces/{namespace}/deployments/{name}");
    expect(named).toBeDefined();
    const patch = msg(msg(named?.get(2)?.[0]).get(8)?.[0]);
    const exts = (patch.get(13) ?? []).map(msg).map((e) => [str(e.get(1)?.[0]), str(msg(e.get(2)?.[0]).get(2)?.[0])]);
    const gvk = exts.find(([k]) => k === "x-kubernetes-group-version-kind");
    expect(JSON.parse(gvk?.[1] ?? "{}")).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
    const queryNames = (patch.get(8) ?? []).map((p) => str(msg(msg(msg(msg(p).get(1)?.[0]).get(2)?.[0]).get(3)?.[0]).get(4)?.[0]));
    expect(queryNames).toContain("fieldValidation");
  });

  test("JSON when protobuf is not asked for", async () => {
    const res = await fetchV2("application/json");
    const doc = await res.json() as { swagger: string; paths: Record<string, { patch?: { parameters: { name: string }[] } }> };
    expect(doc.swagger).toBe("2.0");
    expect(doc.paths["/api/v1/namespaces/{namespace}/configmaps/{name}"]?.patch?.parameters.map((p) => p.name)).toContain("fieldValidation");
  });
});
