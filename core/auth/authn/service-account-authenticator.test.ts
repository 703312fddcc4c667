import { describe, expect, test } from "bun:test";
import { base64url, signJwt } from "./jwt.ts";
import { createServiceAccountAuthenticator } from "./service-account-authenticator.ts";
import { createTokenGenerator } from "./token-generator.ts";
import { memoryObjects, sa, testKey } from "./testing.ts";

const ISSUER = "https://kubernetes.default.svc.cluster.local";

function setup(start = new Date("2025-01-01T00:00:00Z")) {
  const key = testKey();
  let now = start;
  const objects = memoryObjects();
  const clock = () => now;
  const gen = createTokenGenerator({ key, issuer: ISSUER, now: clock });
  const auth = createServiceAccountAuthenticator({ keys: [key], issuer: ISSUER, apiAudiences: [ISSUER], objects: objects.reader, now: clock });
  return { key, objects, gen, auth, advance: (s: number) => { now = new Date(now.getTime() + s * 1000); } };
}

describe("service-account token claims", () => {
  test("claims as upstream: iss, sub, aud, exp/iat/nbf, jti, kubernetes.io with bound refs", () => {
    const { gen, objects } = setup();
    const account = objects.put("ServiceAccount", sa("ns", "bot", "sa-uid"));
    const pod = { metadata: { namespace: "ns", name: "p", uid: "pod-uid" } };
    const node = { metadata: { name: "n1", uid: "node-uid" } };
    const { claims } = gen.generate({ serviceAccount: account, pod, node }, 600, ["a", "b"]);
    expect(Object.keys(claims)).toEqual(["aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub"]);
    expect(claims).toMatchObject({
      aud: ["a", "b"], iss: ISSUER, sub: "system:serviceaccount:ns:bot", iat: 1735689600, nbf: 1735689600, exp: 1735690200,
      "kubernetes.io": { namespace: "ns", node: { name: "n1", uid: "node-uid" }, pod: { name: "p", uid: "pod-uid" }, serviceaccount: { name: "bot", uid: "sa-uid" } },
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("service-account authenticator", () => {
  test("a valid token authenticates with upstream's user info", async () => {
    const { gen, objects, auth } = setup();
    const account = objects.put("ServiceAccount", sa("ns", "bot", "sa-uid"));
    const { token, claims } = gen.generate({ serviceAccount: account }, 3600, [ISSUER]);
    const r = await auth.authenticateToken(token);
    expect(r).toEqual({
      kind: "user", audiences: [ISSUER],
      user: { username: "system:serviceaccount:ns:bot", uid: "sa-uid", groups: ["system:serviceaccounts", "system:serviceaccounts:ns"], extra: { "authentication.kubernetes.io/credential-id": [`JTI=${claims.jti}`] } },
    });
  });

  test("a token of another issuer or not a JWT is not ours", async () => {
    const { auth, key } = setup();
    expect((await auth.authenticateToken("abcdef.0123456789abcdef")).kind).toBe("none");
    expect((await auth.authenticateToken(signJwt({ iss: "https://other" }, key.privateKey, key.kid))).kind).toBe("none");
  });

  test("tampered, foreign-key, expired, not-yet-valid and wrong-audience tokens are rejected", async () => {
    const { gen, objects, auth, advance } = setup();
    const account = objects.put("ServiceAccount", sa("ns", "bot"));
    const { token } = gen.generate({ serviceAccount: account }, 600, [ISSUER]);
    const [h, p, s] = token.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    payload["kubernetes.io"].serviceaccount.name = "admin";
    expect(await auth.authenticateToken(`${h}.${base64url(JSON.stringify(payload))}.${s}`)).toMatchObject({ kind: "rejected" });
    const other = testKey();
    expect(await auth.authenticateToken(signJwt(JSON.parse(Buffer.from(p, "base64url").toString()), other.privateKey, other.kid))).toMatchObject({ kind: "rejected" });
    const wrongAud = gen.generate({ serviceAccount: account }, 600, ["vault"]).token;
    expect(await auth.authenticateToken(wrongAud)).toEqual({ kind: "rejected", reason: `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]` });
    expect((await auth.authenticateToken(wrongAud, ["vault"])).kind).toBe("user");
    advance(600 + 59);
    expect((await auth.authenticateToken(token)).kind).toBe("user"); // within the 60 s leeway
    advance(2);
    expect(await auth.authenticateToken(token)).toEqual({ kind: "rejected", reason: "service account token has expired" });
    advance(-2000);
    expect(await auth.authenticateToken(token)).toEqual({ kind: "rejected", reason: "service account token is not valid yet" });
  });

  test("a deleted or recreated service account, pod or secret invalidates its tokens", async () => {
    const { gen, objects, auth } = setup();
    const account = objects.put("ServiceAccount", sa("ns", "bot", "u1"));
    const plain = gen.generate({ serviceAccount: account }, 3600, [ISSUER]).token;
    objects.remove("ServiceAccount", "ns", "bot");
    expect(await auth.authenticateToken(plain)).toEqual({ kind: "rejected", reason: "service account ns/bot not found" });
    objects.put("ServiceAccount", sa("ns", "bot", "u2"));
    expect(await auth.authenticateToken(plain)).toEqual({ kind: "rejected", reason: "service account UID (u2) does not match claim (u1)" });

    const account2 = objects.put("ServiceAccount", sa("ns", "bot", "u3"));
    const pod = objects.put("Pod", { metadata: { namespace: "ns", name: "p", uid: "p1" }, spec: { serviceAccountName: "bot" } });
    const podToken = gen.generate({ serviceAccount: account2, pod }, 3600, [ISSUER]);
    expect((await auth.authenticateToken(podToken.token))).toMatchObject({
      kind: "user", user: { extra: { "authentication.kubernetes.io/pod-name": ["p"], "authentication.kubernetes.io/pod-uid": ["p1"] } },
    });
    objects.put("Pod", { metadata: { namespace: "ns", name: "p", uid: "p2" } });
    expect(await auth.authenticateToken(podToken.token)).toEqual({ kind: "rejected", reason: "pod UID (p2) does not match service account pod ref claim (p1)" });
    objects.put("Pod", { metadata: { namespace: "ns", name: "p", uid: "p1", deletionTimestamp: "2024-12-31T23:58:00Z" } });
    expect(await auth.authenticateToken(podToken.token)).toEqual({ kind: "rejected", reason: "pod ns/p has been deleted" });

    const secret = objects.put("Secret", { metadata: { namespace: "ns", name: "s", uid: "s1" } });
    const secretToken = gen.generate({ serviceAccount: account2, secret }, 3600, [ISSUER]).token;
    expect((await auth.authenticateToken(secretToken)).kind).toBe("user");
    objects.remove("Secret", "ns", "s");
    expect(await auth.authenticateToken(secretToken)).toEqual({ kind: "rejected", reason: "secret ns/s not found" });
  });
});
