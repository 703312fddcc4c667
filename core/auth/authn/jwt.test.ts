import { describe, expect, test } from "bun:test";
import { base64url, decodeJwt, signJwt, verifyJwtSignature } from "./jwt.ts";
import { testKey } from "./testing.ts";

describe("JWT ES256/RS256", () => {
  const ec = testKey("ec");
  test("sign then verify; header carries alg and kid", () => {
    const token = signJwt({ sub: "x", n: 1 }, ec.privateKey, ec.kid);
    const jwt = decodeJwt(token)!;
    expect(jwt.header).toEqual({ alg: "ES256", kid: ec.kid });
    expect(jwt.payload).toEqual({ sub: "x", n: 1 });
    expect(jwt.signature.length).toBe(64);
    expect(verifyJwtSignature(jwt, ec.publicKey)).toBe(true);
  });

  test("a tampered payload, a foreign key, alg none or another alg fail", () => {
    const token = signJwt({ sub: "x" }, ec.privateKey, ec.kid);
    const [h, , s] = token.split(".");
    const tampered = decodeJwt(`${h}.${base64url(JSON.stringify({ sub: "y" }))}.${s}`)!;
    expect(verifyJwtSignature(tampered, ec.publicKey)).toBe(false);
    expect(verifyJwtSignature(decodeJwt(token)!, testKey("ec").publicKey)).toBe(false);
    const none = decodeJwt(`${base64url(JSON.stringify({ alg: "none" }))}.${base64url("{}")}.`)!;
    expect(verifyJwtSignature(none, ec.publicKey)).toBe(false);
    const hs = decodeJwt(`${base64url(JSON.stringify({ alg: "HS256" }))}.${token.split(".")[1]}.${s}`)!;
    expect(verifyJwtSignature(hs, ec.publicKey)).toBe(false);
  });

  test("RS256 with an RSA service key", () => {
    const rsa = testKey("rsa");
    const jwt = decodeJwt(signJwt({ a: 1 }, rsa.privateKey, rsa.kid))!;
    expect(jwt.header.alg).toBe("RS256");
    expect(verifyJwtSignature(jwt, rsa.publicKey)).toBe(true);
    expect(rsa.jwk).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: rsa.kid });
  });

  test("malformed tokens do not decode", () => {
    for (const t of ["", "a.b", "a.b.c.d", "!!.e30.x", `${base64url("[]")}.${base64url("{}")}.x`, `${base64url("{}")}.${base64url("{}")}.x`]) {
      expect(decodeJwt(t)).toBeUndefined();
    }
  });

  test("the JWK is the public key as upstream publishes it", () => {
    expect(Object.keys(ec.jwk)).toEqual(["use", "kty", "kid", "crv", "alg", "x", "y"]);
    expect(ec.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
