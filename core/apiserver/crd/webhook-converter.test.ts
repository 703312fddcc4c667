import { describe, expect, test } from "bun:test";
import type { KObject } from "../resources/index.ts";
import { validateConversion } from "./crd-validation.ts";
import { webhookConverter } from "./webhook-converter.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

const noResolver = async () => { throw new Error("no services"); };

/** A converter whose webhook is `answer` (called with each review); records the reviews. */
function converterWith(answer: (review: Json) => unknown, reviewVersions = ["v1", "v1beta1"]) {
  const reviews: Json[] = [];
  const fetcher = (async (_url: string, init: RequestInit) => {
    const review = JSON.parse(String(init.body));
    reviews.push(review);
    return Response.json(answer(review));
  }) as unknown as typeof fetch;
  const conv = webhookConverter({
    kind: "Foo", storageApiVersion: "ex.io/v1", resolveService: noResolver, fetcher,
    config: { clientConfig: { url: "https://hook.example/convert" }, conversionReviewVersions: reviewVersions },
  });
  return { conv, reviews };
}

/** hostPort (v1) <-> host + port (v2), as agnhost's example converter. */
function convertOne(o: Json, to: string): Json {
  const out: Json = structuredClone(o);
  if (to === "ex.io/v2") { const [h, p] = String(out.hostPort).split(":"); delete out.hostPort; out.host = h; out.port = p; }
  else { out.hostPort = `${out.host}:${out.port}`; delete out.host; delete out.port; }
  out.apiVersion = to;
  return out;
}
const success = (r: Json, objs: unknown[]) => ({ apiVersion: r.apiVersion, kind: "ConversionReview", response: { uid: r.request.uid, convertedObjects: objs, result: { status: "Success" } } });
const agnhost = (r: Json) => success(r, r.request.objects.map((o: Json) => convertOne(o, r.request.desiredAPIVersion)));

const v1 = (name: string, extra: Json = {}): KObject => ({ apiVersion: "ex.io/v1", kind: "Foo", metadata: { name, namespace: "ns", uid: `uid-${name}` }, hostPort: "localhost:8080", ...extra }) as KObject;
const v2 = (name: string): KObject => ({ apiVersion: "ex.io/v2", kind: "Foo", metadata: { name, namespace: "ns", uid: `uid-${name}` }, host: "h", port: "1" }) as KObject;

describe("webhookConverter", () => {
  test("converts only objects not in the desired version, in one review, keeping order", async () => {
    const { conv, reviews } = converterWith(agnhost);
    const out = await conv.convert([v1("a"), v2("b"), v1("c")], "ex.io/v2");
    expect(out.map((o) => [o.metadata.name, o.apiVersion])).toEqual([["a", "ex.io/v2"], ["b", "ex.io/v2"], ["c", "ex.io/v2"]]);
    expect((out[0] as Json).host).toBe("localhost");
    expect((out[0] as Json).port).toBe("8080");
    expect(reviews.length).toBe(1);
    expect(reviews[0]!.apiVersion).toBe("apiextensions.k8s.io/v1");
    expect(reviews[0]!.request.desiredAPIVersion).toBe("ex.io/v2");
    expect(reviews[0]!.request.objects.map((o: Json) => o.metadata.name)).toEqual(["a", "c"]);
  });

  test("makes no call when every object is already in the desired version", async () => {
    const { conv, reviews } = converterWith(agnhost);
    const out = await conv.convert([v2("b")], "ex.io/v2");
    expect(out[0]!.metadata.name).toBe("b");
    expect(reviews.length).toBe(0);
  });

  test("sends v1beta1 reviews when the CRD lists only v1beta1, and refuses unknown review versions", async () => {
    const { conv, reviews } = converterWith(agnhost, ["v1beta1"]);
    await conv.convert([v1("a")], "ex.io/v2");
    expect(reviews[0]!.apiVersion).toBe("apiextensions.k8s.io/v1beta1");
    const none = converterWith(agnhost, ["v9"]);
    await expect(none.conv.convert([v1("a")], "ex.io/v2")).rejects.toThrow("no supported conversion review versions");
  });

  test("a Failure result is the error, with upstream's prefix", async () => {
    const { conv } = converterWith((r) => ({ apiVersion: r.apiVersion, kind: "ConversionReview", response: { uid: r.request.uid, result: { status: "Failure", message: "invalid hostPort value" } } }));
    await expect(conv.convert([v1("a")], "ex.io/v2")).rejects.toThrow("conversion webhook for ex.io/v1, Kind=Foo failed: invalid hostPort value");
  });

  test("rejects a wrong uid, count, apiVersion, kind or identity", async () => {
    const cases: [(r: Json) => unknown, string][] = [
      [(r) => ({ ...agnhost(r), response: { ...agnhost(r).response, uid: "other" } }), `conversion webhook for ex.io/v1, Kind=Foo failed: expected response.uid=`],
      [(r) => ({ apiVersion: "apiextensions.k8s.io/v1beta1", kind: "ConversionReview", response: agnhost(r).response }), "expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got apiextensions.k8s.io/v1beta1, Kind=ConversionReview"],
      [(r) => success(r, []), "conversion for ex.io/v1, Kind=Foo returned 0 objects, expected 1"],
      [(r) => success(r, [{ ...convertOne(r.request.objects[0], "ex.io/v2"), apiVersion: "ex.io/v1" }]), "returned invalid converted object at index 1: invalid groupVersion (expected ex.io/v2, received ex.io/v1)"],
      [(r) => success(r, [{ ...convertOne(r.request.objects[0], "ex.io/v2"), kind: "Bar" }]), "invalid kind (expected Foo, received Bar)"],
      [(r) => { const o = convertOne(r.request.objects[0], "ex.io/v2"); o.metadata.name = "x"; return success(r, [o]); }, "must have the same name: a != x"],
      [(r) => { const o = convertOne(r.request.objects[0], "ex.io/v2"); o.metadata.uid = "x"; return success(r, [o]); }, "must have the same UID: uid-a != x"],
      [(r) => { const o = convertOne(r.request.objects[0], "ex.io/v2"); o.metadata.labels = { "bad key!": "v" }; return success(r, [o]); }, "returned invalid metadata in object at index 1: metadata.labels"],
    ];
    for (const [answer, message] of cases) {
      const { conv } = converterWith(answer);
      await expect(conv.convert([v1("a")], "ex.io/v2")).rejects.toThrow(message);
    }
  });

  test("keeps the original metadata except labels and annotations", async () => {
    const { conv } = converterWith((r) => {
      const o = convertOne(r.request.objects[0], "ex.io/v2");
      o.metadata.labels = { added: "yes" };
      o.metadata.generation = 99;
      delete o.metadata.annotations;
      return success(r, [o]);
    });
    const [out] = await conv.convert([v1("a", { metadata: { name: "a", namespace: "ns", uid: "uid-a", generation: 1, annotations: { a: "1" } } })], "ex.io/v2");
    expect(out!.metadata).toEqual({ name: "a", namespace: "ns", uid: "uid-a", generation: 1, labels: { added: "yes" } });
  });

  test("a webhook that cannot be called fails with upstream's prefix", async () => {
    const conv = webhookConverter({
      kind: "Foo", storageApiVersion: "ex.io/v1", resolveService: noResolver,
      config: { clientConfig: { service: { namespace: "ns", name: "svc", path: "/c", port: 9443 } }, conversionReviewVersions: ["v1"] },
    });
    await expect(conv.convert([v1("a")], "ex.io/v2")).rejects.toThrow(`conversion webhook for ex.io/v1, Kind=Foo failed: Post "https://svc.ns.svc:9443/c?timeout=30s": no services`);
  });
});

describe("validateConversion", () => {
  const service = { namespace: "ns", name: "svc", path: "/convert", port: 443 };
  const fields = (conversion: Json, preserve = false) => validateConversion(conversion as never, preserve).map((e) => `${e.field}: ${e.body}`);

  test("accepts strategy Webhook with a client config and review versions, and strategy None alone", () => {
    expect(fields({ strategy: "Webhook", webhook: { clientConfig: { service, caBundle: "" }, conversionReviewVersions: ["v1", "v1beta1"] } })).toEqual([]);
    expect(fields({ strategy: "Webhook", webhook: { clientConfig: { url: "https://hook.example/c" }, conversionReviewVersions: ["v1beta1"] } })).toEqual([]);
    expect(fields({ strategy: "None" })).toEqual([]);
  });

  test("rejects Webhook without its config, as upstream", () => {
    expect(fields({ strategy: "Webhook" })).toEqual([
      "spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook",
      "spec.conversion.conversionReviewVersions: Required value",
    ]);
    expect(fields({ strategy: "Webhook", webhook: { clientConfig: {}, conversionReviewVersions: ["v1"] } })).toEqual([
      "spec.conversion.webhookClientConfig: Required value: exactly one of url or service is required",
    ]);
    expect(fields({ strategy: "Webhook", webhook: { clientConfig: { url: "http://hook.example/c" }, conversionReviewVersions: ["v2", "v2"] } })).toEqual([
      `spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
      `spec.conversion.conversionReviewVersions[1]: Invalid value: "v2": duplicate version`,
      `spec.conversion.conversionReviewVersions: Invalid value: ["v2","v2"]: must include at least one of v1, v1beta1`,
    ]);
    expect(fields({ strategy: "Webhook", webhook: { clientConfig: { service }, conversionReviewVersions: ["v1"] } }, true)).toEqual([
      `spec.conversion.strategy: Invalid value: "Webhook": must be None if spec.preserveUnknownFields is true`,
    ]);
  });

  test("forbids webhook settings with strategy None", () => {
    expect(fields({ strategy: "None", webhook: { clientConfig: { service }, conversionReviewVersions: ["v1"] } })).toEqual([
      "spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook",
      "spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook",
    ]);
  });
});
