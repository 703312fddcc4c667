import { describe, expect, test } from "bun:test";
import { rewriteHTML, rewriteProxiedResponse, rewriteProxiedURL } from "./html-rewrite.ts";

const PREFIX = "/api/v1/namespaces/ns/pods/web/proxy";

describe("rewriteProxiedURL (upstream Transport.rewriteURL)", () => {
  test("an absolute path gets the prefix, a trailing slash kept; query and fragment kept", () => {
    expect(rewriteProxiedURL("/rewriteme", "10.42.0.5:80", PREFIX)).toBe(`${PREFIX}/rewriteme`);
    expect(rewriteProxiedURL("/", "10.42.0.5:80", PREFIX)).toBe(`${PREFIX}/`);
    expect(rewriteProxiedURL("/a/b/?x=1#f", "10.42.0.5:80", PREFIX)).toBe(`${PREFIX}/a/b/?x=1#f`);
  });
  test("relative paths, other hosts, other schemes and already-prefixed paths are kept", () => {
    expect(rewriteProxiedURL("rewriteme", "10.42.0.5:80", PREFIX)).toBe("rewriteme");
    expect(rewriteProxiedURL("http://example.com/x", "10.42.0.5:80", PREFIX)).toBe("http://example.com/x");
    expect(rewriteProxiedURL("mailto:a@b", "10.42.0.5:80", PREFIX)).toBe("mailto:a@b");
    expect(rewriteProxiedURL(`${PREFIX}/x`, "10.42.0.5:80", PREFIX)).toBe(`${PREFIX}/x`);
  });
  test("the backend's own host keeps its origin and gets the prefix", () => {
    expect(rewriteProxiedURL("http://10.42.0.5:80/x", "10.42.0.5:80", PREFIX)).toBe(`http://10.42.0.5:80${PREFIX}/x`);
  });
});

describe("rewriteHTML", () => {
  test("only the URL attributes of upstream's table are rewritten", () => {
    expect(rewriteHTML('<a href="/rewriteme">test</a>', "h:80", PREFIX)).toBe(`<a href="${PREFIX}/rewriteme">test</a>`);
    expect(rewriteHTML("<IMG class=x SRC='/i.png' alt=\"/no\">", "h:80", PREFIX)).toBe(`<IMG class=x SRC='${PREFIX}/i.png' alt="/no">`);
    expect(rewriteHTML('<div data-href="/x"><p title="/y">/z</p></div>', "h:80", PREFIX)).toBe('<div data-href="/x"><p title="/y">/z</p></div>');
  });
});

describe("rewriteProxiedResponse", () => {
  test("text/html bodies (identity or gzip) and redirect Locations are rewritten; other types pass through", async () => {
    const html = await rewriteProxiedResponse(new Response('<a href="/r">t</a>', { headers: { "content-type": "text/html; charset=utf-8", "content-length": "18" } }), "h:80", PREFIX);
    expect(await html.text()).toBe(`<a href="${PREFIX}/r">t</a>`);
    const gz = await rewriteProxiedResponse(new Response(Bun.gzipSync(new TextEncoder().encode('<a href="/r">t</a>')), { headers: { "content-type": "text/html", "content-encoding": "gzip" } }), "h:80", PREFIX);
    expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await gz.arrayBuffer())))).toBe(`<a href="${PREFIX}/r">t</a>`);
    const plain = await rewriteProxiedResponse(new Response('<a href="/r">t</a>', { headers: { "content-type": "text/plain" } }), "h:80", PREFIX);
    expect(await plain.text()).toBe('<a href="/r">t</a>');
    const redirect = await rewriteProxiedResponse(new Response(null, { status: 302, headers: { location: "/login" } }), "h:80", PREFIX);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe(`${PREFIX}/login`);
  });
});
