import { describe, expect, test } from "bun:test";
import { constantTimeEqual, createBootstrapAuthenticator } from "./bootstrap-authenticator.ts";
import { bootstrapGroups, bootstrapTokenSecret, generateBootstrapToken, hasExpired, parseBootstrapToken, secretValue, validateBootstrapGroup } from "./bootstrap-token.ts";
import { memoryObjects } from "./testing.ts";

const NOW = new Date("2025-01-01T00:00:00Z");

describe("bootstrap token format", () => {
  test("parse: [a-z0-9]{6}.[a-z0-9]{16} only", () => {
    expect(parseBootstrapToken("abcdef.0123456789abcdef")).toEqual({ id: "abcdef", secret: "0123456789abcdef" });
    for (const bad of ["ABCDEF.0123456789abcdef", "abcde.0123456789abcdef", "abcdef.0123456789abcde", "abcdef:0123456789abcdef", "abcdef.0123456789abcdefg", ""]) {
      expect(parseBootstrapToken(bad)).toBeUndefined();
    }
    const t = generateBootstrapToken();
    expect(parseBootstrapToken(`${t.id}.${t.secret}`)).toEqual(t);
  });

  test("the Secret layout (kube-system/bootstrap-token-<id>, base64 data)", () => {
    const s = bootstrapTokenSecret({ token: { id: "abcdef", secret: "0123456789abcdef" }, description: "d", expires: new Date("2025-01-02T00:00:00.123Z"), usages: ["signing", "authentication"], groups: ["system:bootstrappers:k3s:default-node-token"] });
    expect(s.metadata).toEqual({ name: "bootstrap-token-abcdef", namespace: "kube-system" });
    expect(s.type).toBe("bootstrap.kubernetes.io/token");
    const data = Object.fromEntries(Object.keys(s.data).map((k) => [k, secretValue(s, k)]));
    expect(data).toEqual({
      "token-id": "abcdef", "token-secret": "0123456789abcdef", description: "d", expiration: "2025-01-02T00:00:00Z",
      "usage-bootstrap-signing": "true", "usage-bootstrap-authentication": "true", "auth-extra-groups": "system:bootstrappers:k3s:default-node-token",
    });
    expect(hasExpired(s, NOW)).toBe(false);
    expect(hasExpired(s, new Date("2025-01-03T00:00:00Z"))).toBe(true);
    expect(bootstrapGroups(s)).toEqual(["system:bootstrappers", "system:bootstrappers:k3s:default-node-token"]);
  });

  test("extra groups must be system:bootstrappers:*", () => {
    expect(validateBootstrapGroup("system:bootstrappers:worker")).toBeUndefined();
    expect(validateBootstrapGroup("system:masters")).toContain("does not match");
    expect(validateBootstrapGroup("system:bootstrappers:")).toContain("does not match");
  });

  test("constant-time comparison", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
  });
});

describe("bootstrap authenticator", () => {
  const token = { id: "abcdef", secret: "0123456789abcdef" };
  const setup = (over: Partial<Parameters<typeof bootstrapTokenSecret>[0]> = {}) => {
    const objects = memoryObjects();
    objects.put("Secret", bootstrapTokenSecret({ token, usages: ["signing", "authentication"], groups: ["system:bootstrappers:k3s:default-node-token"], ...over }));
    return { objects, auth: createBootstrapAuthenticator({ objects: objects.reader, now: () => NOW }) };
  };

  test("authenticates as system:bootstrap:<id> in system:bootstrappers + extras", async () => {
    const { auth } = setup();
    expect(await auth.authenticateToken("abcdef.0123456789abcdef")).toEqual({
      kind: "user", user: { username: "system:bootstrap:abcdef", groups: ["system:bootstrappers", "system:bootstrappers:k3s:default-node-token"] },
    });
  });

  test("wrong secret, unknown id, expired, no authentication usage are rejected; other shapes are not ours", async () => {
    expect((await setup().auth.authenticateToken("abcdef.0123456789abcde0")).kind).toBe("rejected");
    expect((await setup().auth.authenticateToken("zzzzzz.0123456789abcdef")).kind).toBe("rejected");
    expect((await setup({ expires: new Date("2024-12-31T00:00:00Z") }).auth.authenticateToken("abcdef.0123456789abcdef"))).toEqual({ kind: "rejected", reason: "bootstrap token has expired" });
    expect((await setup({ usages: ["signing"] }).auth.authenticateToken("abcdef.0123456789abcdef")).kind).toBe("rejected");
    expect((await setup().auth.authenticateToken("not-a-bootstrap-token")).kind).toBe("none");
  });
});
