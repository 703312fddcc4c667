import { describe, expect, test } from "bun:test";
import { forwardedRequestHead } from "./forwarded-head.ts";
import { parseRequestHead } from "./http1-request.ts";
import { MiddlewareRegistry, type SecretLike } from "./ingressroute.ts";
import { goReplaceAll, MiddlewareError, MwState, runMiddlewares, type MwRequest } from "./middlewares.ts";
import { apr1, parseHtpasswd, verifyHtpasswd } from "./htpasswd.ts";
import { goRegexp } from "./rule.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const secrets = new Map<string, SecretLike>([
  ["default/users", { metadata: { name: "users", namespace: "default" }, data: { users: b64(`alice:${apr1("wonderland", "s4lt")}\nbob:{SHA}${Buffer.from(new Bun.CryptoHasher("sha1").update("builder").digest()).toString("base64")}\n`) } }],
  ["default/typed", { metadata: { name: "typed", namespace: "default" }, type: "kubernetes.io/basic-auth", data: { username: b64("carol"), password: b64("pw") } }],
  ["default/two", { metadata: { name: "two", namespace: "default" }, data: { a: b64("x:y"), b: b64("z:w") } }],
]);
const mw = (name: string, spec: Record<string, unknown>, namespace = "default") => ({ apiVersion: "traefik.io/v1alpha1", metadata: { name, namespace }, spec });
const registry = (...objs: ReturnType<typeof mw>[]) => new MiddlewareRegistry(objs, secrets);

function request(o: Partial<MwRequest> & { headers?: Record<string, string> } = {}): MwRequest {
  const headers = o.headers ?? {};
  return { method: o.method ?? "GET", host: o.host === undefined ? "a.test" : o.host, target: o.target ?? "/", ip: o.ip ?? "10.0.0.9", header: (n) => headers[n] ?? null };
}
async function run(r: MiddlewareRegistry, names: string[], req: MwRequest, scheme: "http" | "https" = "http") {
  const s = new MwState(req, scheme);
  const page = await runMiddlewares(names.map((n) => r.resolve("default", n)), s);
  return { page, s };
}

describe("middlewares", () => {
  test("redirectScheme: http to https, permanent 301 (308 for non-GET), port handling; no loop on https", async () => {
    const r = registry(mw("https", { redirectScheme: { scheme: "https", permanent: true } }), mw("p8443", { redirectScheme: { scheme: "https", port: "8443" } }));
    expect((await run(r, ["https"], request({ target: "/x?y=1" }))).page).toMatchObject({ status: 301, headers: { location: "https://a.test/x?y=1" } });
    expect((await run(r, ["https"], request({ method: "POST", host: "a.test:80" }))).page).toMatchObject({ status: 308, headers: { location: "https://a.test/" } });
    expect((await run(r, ["https"], request({ host: "a.test:8080" }))).page?.headers.location).toBe("https://a.test/");
    expect((await run(r, ["https"], request(), "https")).page).toBeUndefined();
    expect((await run(r, ["p8443"], request())).page).toMatchObject({ status: 302, headers: { location: "https://a.test:8443/" } });
    expect((await run(r, ["p8443"], request({ method: "PUT" }))).page?.status).toBe(307);
  });

  test("redirectRegex with Go replacement syntax", async () => {
    const r = registry(mw("rr", { redirectRegex: { regex: "^http://localhost/(.*)", replacement: "http://mydomain/${1}", permanent: true } }));
    expect((await run(r, ["rr"], request({ host: "localhost", target: "/a/b" }))).page).toMatchObject({ status: 301, headers: { location: "http://mydomain/a/b" } });
    expect((await run(r, ["rr"], request({ host: "other" }))).page).toBeUndefined();
    expect(goReplaceAll(new RegExp(goRegexp("a(?P<x>b)").source, "g"), "abab", "[$x$1$$]")).toBe("[bb$][bb$]");
  });

  test("stripPrefix / stripPrefixRegex (X-Forwarded-Prefix), addPrefix, replacePath / replacePathRegex (X-Replaced-Path)", async () => {
    const r = registry(
      mw("strip", { stripPrefix: { prefixes: ["/foo", "/api"] } }), mw("stripre", { stripPrefixRegex: { regex: ["/foo/[a-z0-9]+/[0-9]+/"] } }),
      mw("add", { addPrefix: { prefix: "/v1" } }), mw("replace", { replacePath: { path: "/new" } }),
      mw("replacere", { replacePathRegex: { regex: "^/foo/(.*)", replacement: "/bar/$1" } }),
    );
    let { s } = await run(r, ["strip"], request({ target: "/api/x?q=1" }));
    expect(s.target).toBe("/x?q=1");
    expect(s.reqEdits?.get("x-forwarded-prefix")).toBe("/api");
    expect((await run(r, ["strip"], request({ target: "/api" }))).s.target).toBe("/");
    expect((await run(r, ["strip"], request({ target: "/apix" }))).s.target).toBe("/x"); // a string prefix, as Traefik
    expect((await run(r, ["strip"], request({ target: "/other" }))).s.reqEdits).toBeNull();
    ({ s } = await run(r, ["stripre"], request({ target: "/foo/abc/12/bar" })));
    expect(s.target).toBe("/bar");
    expect(s.reqEdits?.get("x-forwarded-prefix")).toBe("/foo/abc/12/");
    expect((await run(r, ["add"], request({ target: "/x?a" }))).s.target).toBe("/v1/x?a");
    ({ s } = await run(r, ["replace"], request({ target: "/old?k=v" })));
    expect(s.target).toBe("/new?k=v");
    expect(s.reqEdits?.get("x-replaced-path")).toBe("/old");
    ({ s } = await run(r, ["replacere"], request({ target: "/foo/x/y" })));
    expect(s.target).toBe("/bar/x/y");
    expect(s.reqEdits?.get("x-replaced-path")).toBe("/foo/x/y");
    // In order: strip then add.
    expect((await run(r, ["strip", "add"], request({ target: "/api/z" }))).s.target).toBe("/v1/z");
  });

  test("headers: custom request/response headers (\"\" removes), security headers, STS on https only", async () => {
    const r = registry(mw("h", { headers: {
      customRequestHeaders: { "X-Script-Name": "test", "X-Remove": "" }, customResponseHeaders: { "X-Custom-Response": "v", Server: "" },
      frameDeny: true, contentTypeNosniff: true, browserXssFilter: true, stsSeconds: 31536000, stsIncludeSubdomains: true, referrerPolicy: "no-referrer",
    } }));
    let { s } = await run(r, ["h"], request());
    expect([...s.reqEdits!]).toEqual([["x-script-name", "test"], ["x-remove", null]]);
    expect(Object.fromEntries(s.respEdits!)).toEqual({ "x-frame-options": "DENY", "x-content-type-options": "nosniff", "x-xss-protection": "1; mode=block", "referrer-policy": "no-referrer", "x-custom-response": "v", server: null });
    ({ s } = await run(r, ["h"], request(), "https"));
    expect(s.respEdits!.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
  });

  test("basicAuth: htpasswd (apr1, {SHA}), basic-auth Secrets, realm, removeHeader, headerField; 401 otherwise", async () => {
    const r = registry(
      mw("auth", { basicAuth: { secret: "users" } }), mw("auth2", { basicAuth: { secret: "typed", realm: "MyRealm", removeHeader: true, headerField: "X-WebAuth-User" } }),
      mw("bad", { basicAuth: { secret: "two" } }), mw("missing", { basicAuth: { secret: "nope" } }),
    );
    const basic = (u: string, p: string) => ({ authorization: `Basic ${b64(`${u}:${p}`)}` });
    const denied = (await run(r, ["auth"], request())).page!;
    expect(denied).toMatchObject({ status: 401, headers: { "www-authenticate": 'Basic realm="traefik"' }, body: "401 Unauthorized\n" });
    expect((await run(r, ["auth"], request({ headers: basic("alice", "wonderland") }))).page).toBeUndefined();
    expect((await run(r, ["auth"], request({ headers: basic("alice", "nope") }))).page?.status).toBe(401);
    expect((await run(r, ["auth"], request({ headers: basic("bob", "builder") }))).page).toBeUndefined();
    expect((await run(r, ["auth"], request({ headers: basic("eve", "builder") }))).page?.status).toBe(401);
    const { page, s } = await run(r, ["auth2"], request({ headers: basic("carol", "pw") }));
    expect(page).toBeUndefined();
    expect(Object.fromEntries(s.reqEdits!)).toEqual({ "x-webauth-user": "carol", authorization: null });
    expect((await run(r, ["auth2"], request())).page?.headers["www-authenticate"]).toBe('Basic realm="MyRealm"');
    expect(() => r.resolve("default", "bad")).toThrow(/single element/);
    expect(() => r.resolve("default", "missing")).toThrow(/not found/);
  });

  test("htpasswd formats: bcrypt (Bun.password), {SHA}, apr1 (as openssl passwd -apr1), plain", async () => {
    expect(apr1("secret", "abcdefgh")).toBe("$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/"); // openssl passwd -apr1 -salt abcdefgh secret
    expect(apr1("pässwörd-longer-than-16-chars", "xy")).toBe("$apr1$xy$YC8I54cj63ZK81gjzH2sQ1");
    const bcrypt = await Bun.password.hash("s3cret", { algorithm: "bcrypt", cost: 4 });
    expect(await verifyHtpasswd("s3cret", bcrypt)).toBe(true);
    expect(await verifyHtpasswd("s3cret", bcrypt.replace(/^\$2b\$/, "$2y$"))).toBe(true); // htpasswd -B writes $2y$
    expect(await verifyHtpasswd("wrong", bcrypt)).toBe(false);
    expect(await verifyHtpasswd("password", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=")).toBe(true);
    expect(await verifyHtpasswd("password", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9h=")).toBe(false);
    expect(await verifyHtpasswd("plain", "plain")).toBe(true);
    expect(await verifyHtpasswd("x", "$6$salt$abc")).toBe(false);
    expect(parseHtpasswd("# comment\n\nu1:h1\r\nbad\nu2:h:2\n")).toEqual([{ user: "u1", hash: "h1" }, { user: "u2", hash: "h:2" }]);
  });

  test("ipAllowList: sourceRange, ipStrategy depth and excludedIPs, 403", async () => {
    const r = registry(
      mw("ips", { ipAllowList: { sourceRange: ["127.0.0.1/32", "192.168.1.0/24"] } }),
      mw("depth", { ipAllowList: { sourceRange: ["1.2.3.4"], ipStrategy: { depth: 2 } } }),
      mw("excl", { ipAllowList: { sourceRange: ["1.2.3.4"], ipStrategy: { excludedIPs: ["10.0.0.0/8"] } } }),
    );
    expect((await run(r, ["ips"], request({ ip: "192.168.1.20" }))).page).toBeUndefined();
    expect((await run(r, ["ips"], request({ ip: "10.1.1.1" }))).page).toMatchObject({ status: 403, body: "Forbidden" });
    expect((await run(r, ["depth"], request({ headers: { "x-forwarded-for": "1.2.3.4, 5.5.5.5" } }))).page).toBeUndefined();
    expect((await run(r, ["depth"], request({ headers: { "x-forwarded-for": "5.5.5.5" } }))).page?.status).toBe(403);
    expect((await run(r, ["excl"], request({ headers: { "x-forwarded-for": "1.2.3.4, 10.0.0.2, 10.0.0.3" } }))).page).toBeUndefined();
  });

  test("chain, references by <ns>-<name>@kubernetescrd, missing and unsupported kinds, cycles", async () => {
    const r = registry(
      mw("strip", { stripPrefix: { prefixes: ["/api"] } }), mw("add", { addPrefix: { prefix: "/v2" } }),
      mw("both", { chain: { middlewares: [{ name: "strip" }, { name: "add" }] } }),
      mw("rl", { rateLimit: { average: 10 } }), mw("loop", { chain: { middlewares: [{ name: "loop" }] } }), mw("dangling", { chain: { middlewares: [{ name: "nope" }] } }),
      mw("other", { addPrefix: { prefix: "/o" } }, "team-a"),
    );
    expect((await run(r, ["both"], request({ target: "/api/x" }))).s.target).toBe("/v2/x");
    expect(r.resolveQualified("team-a-other@kubernetescrd").name).toBe("team-a-other");
    expect(() => r.resolveQualified("default-nope@kubernetescrd")).toThrow(MiddlewareError);
    expect(() => r.resolveQualified("default-strip@file")).toThrow(/provider file/);
    expect(() => r.resolve("default", "rl")).toThrow(/rateLimit not supported/);
    expect(() => r.resolve("default", "loop")).toThrow(/recursion/);
    expect(() => r.resolve("default", "dangling")).toThrow(/does not exist/);
  });

  test("the raw web path: a request head with a rewritten target and edited fields", () => {
    const head = parseRequestHead(Buffer.from("GET /api/x HTTP/1.1\r\nHost: a.test\r\nX-Remove: 1\r\nAccept: */*\r\n\r\n"))!;
    head.target = "/x";
    head.edits = new Map([["x-forwarded-prefix", "/api"], ["x-remove", null]]);
    const out = forwardedRequestHead(head, { ip: "10.0.0.1", proto: "http", port: 80 }, "10.42.0.5:80");
    expect(out).toStartWith("GET /x HTTP/1.1\r\nHost: a.test\r\nAccept: */*\r\nx-forwarded-prefix: /api\r\n");
    expect(out).not.toContain("X-Remove");
  });
});
