import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { NO_CERTIFICATE } from "../../apiserver/transport/index.ts";
import { caBundleHash } from "../../agent/join/token.ts";
import { createLogger } from "../../log/logger.ts";
import { createJoinRoutes, TOKEN_PATH, type JoinRoutesOptions } from "./join-routes.ts";
import { ensureServerTokens } from "./server-token.ts";

const root = mkdtempSync(`${tmpdir()}/join-routes-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const hash = caBundleHash(CA);

function routes() {
  mkdirSync(`${root}/server`, { recursive: true });
  const tokens = ensureServerTokens({ dataDir: root, caBundle: CA, token: "the-first-secret-0" });
  // Only what the token endpoint uses; joins are covered end to end (tests/agent-join.test.ts).
  const join = createJoinRoutes({
    caBundle: CA, tokens, dataDir: root, log: createLogger({ level: "error" }),
    authn: { authenticate: async () => ({ response: new Response(null, { status: 401 }), reason: "none" }) },
  } as unknown as JoinRoutesOptions);
  const put = (auth: string | undefined, body: unknown, method = "PUT") =>
    join.handle(new Request(`https://server${TOKEN_PATH}`, {
      method, body: method === "PUT" ? JSON.stringify(body) : undefined, headers: auth ? { authorization: auth } : {},
    }), NO_CERTIFICATE)!;
  return { tokens, put };
}
const basic = (creds: string) => `Basic ${Buffer.from(creds).toString("base64")}`;

describe("PUT /v1-lite/token (lite token rotate)", () => {
  test("only the current server token may rotate; the answer is the new full token, in effect at once", async () => {
    const { tokens, put } = routes();
    expect((await put(undefined, { newToken: "0123456789abcdef" })).status).toBe(401);
    expect((await put(basic("server:wrong"), { newToken: "0123456789abcdef" })).status).toBe(401);
    expect((await put(basic("node:the-first-secret-0"), { newToken: "0123456789abcdef" })).status).toBe(401);
    expect((await put(basic("server:the-first-secret-0"), {}, "GET")).status).toBe(405);
    const bad = await put(basic("server:the-first-secret-0"), { newToken: "short" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("use at least 16");
    expect(tokens.serverSecret).toBe("the-first-secret-0");

    const ok = await put(basic("server:the-first-secret-0"), { newToken: "0123456789abcdef" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ token: `K10${hash}::server:0123456789abcdef` });
    expect(tokens.serverSecret).toBe("0123456789abcdef");
    expect(readFileSync(`${root}/server/token`, "utf8")).toBe(`K10${hash}::server:0123456789abcdef\n`);
    // The old token no longer authenticates; the new one does (a random secret when none is given).
    expect((await put(basic("server:the-first-secret-0"), {})).status).toBe(401);
    const random = await put(basic("server:0123456789abcdef"), {});
    expect(random.status).toBe(200);
    expect(((await random.json()) as { token: string }).token).toMatch(/::server:[0-9a-f]{32}$/);
  });
});
