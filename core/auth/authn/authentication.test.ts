/** The assembled authentication against an in-process API server: TokenRequest, reviews, admission, discovery. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import type { ApiServer } from "../../apiserver/index.ts";
import { startHarness, type Harness } from "../../apiserver/testing/harness.ts";
import { NO_CERTIFICATE } from "../../apiserver/transport/index.ts";
import { createAuthentication, defaultIssuer, type Authentication } from "./authentication.ts";
import { decodeJwt, verifyJwtSignature } from "./jwt.ts";
import { apiObjectReader } from "./object-reader.ts";

let h: Harness;
let authn: Authentication;
beforeAll(async () => {
  let api: ApiServer | undefined;
  const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  authn = createAuthentication({ serviceKeyPem: pem, issuer: defaultIssuer(), objects: apiObjectReader(() => api), authorize: (u, a) => api!.authorize(u, a) });
  h = await startHarness({ admission: [authn.admission], extraResources: authn.reviewResources, issueToken: authn.issueToken, nonResourceRoutes: authn.discoveryRoutes });
  api = h.server;
  await h.call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "default" } });
  await h.call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "bot" } });
});
afterAll(() => h?.close());

const bearer = (token: string) => new Request("https://lite.test/api/v1/pods", { headers: { authorization: `Bearer ${token}` } });

describe("TokenRequest (serviceaccounts/token)", () => {
  test("defaults: one hour, the API audiences; the token authenticates the service account", async () => {
    const r = await h.call("POST", "/api/v1/namespaces/default/serviceaccounts/bot/token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} });
    expect(r.status).toBe(201);
    expect(r.body.spec).toEqual({ audiences: ["https://kubernetes.default.svc.cluster.local"], expirationSeconds: 3600, boundObjectRef: null });
    const jwt = decodeJwt(r.body.status.token)!;
    expect(new Date(r.body.status.expirationTimestamp).getTime() / 1000).toBe(jwt.payload.exp as number);
    const who = await authn.authenticate(bearer(r.body.status.token), NO_CERTIFICATE);
    expect("user" in who && who.user.username).toBe("system:serviceaccount:default:bot");
    expect("user" in who && who.user.groups).toEqual(["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]);
  });

  test("validation and binding errors use upstream's messages", async () => {
    const short = await h.call("POST", "/api/v1/namespaces/default/serviceaccounts/bot/token", { spec: { expirationSeconds: 60 } });
    expect(short.status).toBe(422);
    expect(short.body.message).toBe('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    const missing = await h.call("POST", "/api/v1/namespaces/default/serviceaccounts/nobody/token", { spec: {} });
    expect(missing.body.message).toBe('serviceaccounts "nobody" not found');
    const kind = await h.call("POST", "/api/v1/namespaces/default/serviceaccounts/bot/token", { spec: { boundObjectRef: { kind: "Deployment", apiVersion: "apps/v1", name: "x" } } });
    expect(kind.body.message).toBe("cannot bind token to object of type apps/v1, Kind=Deployment");
    const nopod = await h.call("POST", "/api/v1/namespaces/default/serviceaccounts/bot/token", { spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p" } } });
    expect(nopod.body.message).toBe('pods "p" not found');
  });

  test("a pod-bound token dies with its pod", async () => {
    const pod = await h.call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "bound" }, spec: { serviceAccountName: "bot", containers: [{ name: "c", image: "i" }] } });
    expect(pod.status).toBe(201);
    const wrongSa = await h.call("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "bound" } } });
    expect(wrongSa.body.message).toBe('cannot bind token for serviceaccount "default" to pod running with different serviceaccount name.');
    const r = await h.call("POST", "/api/v1/namespaces/default/serviceaccounts/bot/token", { spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "bound", uid: pod.body.metadata.uid } } });
    expect(r.status).toBe(201);
    const before = await authn.authenticate(bearer(r.body.status.token), NO_CERTIFICATE);
    expect("user" in before && before.user.extra?.["authentication.kubernetes.io/pod-name"]).toEqual(["bound"]);
    await h.call("DELETE", "/api/v1/namespaces/default/pods/bound", { gracePeriodSeconds: 0 });
    await Bun.sleep(50);
    const after = await authn.authenticate(bearer(r.body.status.token), NO_CERTIFICATE);
    expect("response" in after && after.response.status).toBe(401);
  });
});

describe("reviews", () => {
  test("SelfSubjectReview reports the requester", async () => {
    const r = await h.call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
    expect(r.status).toBe(201);
    expect(r.body.status).toEqual({ userInfo: { username: "admin", groups: ["system:masters", "system:authenticated"] } });
  });

  test("TokenReview authenticates a token and reports audiences; a bad one is not authenticated", async () => {
    const t = await h.call("POST", "/api/v1/namespaces/default/serviceaccounts/bot/token", { spec: { audiences: ["vault"] } });
    const ok = await h.call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token: t.body.status.token, audiences: ["vault"] } });
    expect(ok.status).toBe(201);
    expect(ok.body.status).toMatchObject({ authenticated: true, audiences: ["vault"], user: { username: "system:serviceaccount:default:bot" } });
    const bad = await h.call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token: t.body.status.token } });
    expect(bad.body.status.authenticated).toBeUndefined();
    expect(bad.body.status.error).toContain("token audiences");
    const none = await h.call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { spec: {} });
    expect(none.body.message).toBe("token is required for TokenReview in authentication");
    expect((await h.call("GET", "/apis/authentication.k8s.io/v1/tokenreviews")).status).toBe(405);
  });
});

describe("ServiceAccount admission", () => {
  test("default service account and the kube-api-access projected volume in every container", async () => {
    const r = await h.call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "p1" }, spec: { initContainers: [{ name: "i", image: "i" }], containers: [{ name: "a", image: "i" }, { name: "b", image: "i" }] } });
    expect(r.status).toBe(201);
    const spec = r.body.spec;
    expect(spec.serviceAccountName).toBe("default");
    expect(spec.serviceAccount).toBe("default");
    const vol = spec.volumes.find((v: { name: string }) => v.name.startsWith("kube-api-access-"));
    expect(vol.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(vol.projected).toEqual({
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
      ],
      defaultMode: 420,
    });
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }]);
    }
  });

  test("automount off on the pod or the service account; a missing service account is forbidden", async () => {
    const off = await h.call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "p2" }, spec: { automountServiceAccountToken: false, containers: [{ name: "a", image: "i" }] } });
    expect(off.body.spec.volumes ?? []).toEqual([]);
    await h.call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "quiet" }, automountServiceAccountToken: false });
    const saOff = await h.call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "p3" }, spec: { serviceAccountName: "quiet", containers: [{ name: "a", image: "i" }] } });
    expect(saOff.body.spec.volumes ?? []).toEqual([]);
    const missing = await h.call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "p4" }, spec: { serviceAccountName: "ghost", containers: [{ name: "a", image: "i" }] } });
    expect(missing.status).toBe(403);
    expect(missing.body.message).toBe('pods "p4" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  });
});

describe("OIDC discovery", () => {
  test("configuration and JWKS verify issued tokens", async () => {
    const cfg = await h.call("GET", "/.well-known/openid-configuration");
    expect(cfg.body).toEqual({
      issuer: "https://kubernetes.default.svc.cluster.local", jwks_uri: "https://kubernetes.default.svc.cluster.local/openid/v1/jwks",
      response_types_supported: ["id_token"], subject_types_supported: ["public"], id_token_signing_alg_values_supported: ["ES256"],
    });
    const jwks = await h.call("GET", "/openid/v1/jwks");
    expect(jwks.headers.get("content-type")).toBe("application/jwk-set+json");
    const t = await h.call("POST", "/api/v1/namespaces/default/serviceaccounts/bot/token", { spec: {} });
    const jwt = decodeJwt(t.body.status.token)!;
    const jwk = jwks.body.keys.find((k: { kid: string }) => k.kid === jwt.header.kid);
    const { createPublicKey } = await import("node:crypto");
    expect(verifyJwtSignature(jwt, createPublicKey({ key: jwk, format: "jwk" }))).toBe(true);
  });
});
