import { describe, expect, test } from "bun:test";
import { forwardedRequestHead } from "./forwarded-head.ts";
import { BodyReader } from "./http1-body.ts";
import { HttpParseError, headerValue, parseRequestHead, type RequestHead } from "./http1-request.ts";

const parse = (s: string) => parseRequestHead(Buffer.from(s, "latin1"));
const status = (s: string) => { try { parse(s); return 0; } catch (e) { return (e as HttpParseError).status; } };

describe("parseRequestHead", () => {
  test("request line, Host, framing; incomplete heads are null; the end offset points past CRLF CRLF", () => {
    const raw = "POST /a/b?x=1 HTTP/1.1\r\nHost: Example.test:8080\r\nContent-Length: 5\r\nUser-Agent: t\r\n\r\nhello";
    for (let i = 0; i < raw.indexOf("\r\n\r\n") + 4; i++) expect(parse(raw.slice(0, i))).toBeNull();
    const h = parse(raw)!;
    expect(h).toMatchObject({ method: "POST", target: "/a/b?x=1", minor: 1, host: "Example.test:8080", framing: "length", contentLength: 5, close: false, upgrade: null, rewrite: false });
    expect(h.end).toBe(raw.length - 5);
    expect(headerValue(h, "user-agent")).toBe("t");
    expect(parse("\r\nGET / HTTP/1.1\r\n\r\n")).toMatchObject({ method: "GET", host: null, framing: "none" }); // a leading empty line is skipped
  });

  test("chunked, Connection close/keep-alive, HTTP/1.0, absolute-form, OPTIONS *, upgrade, hop-by-hop fields", () => {
    expect(parse("PUT /u HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n")).toMatchObject({ framing: "chunked", contentLength: 0 });
    expect(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")).toMatchObject({ close: true, rewrite: true });
    expect(parse("GET / HTTP/1.0\r\n\r\n")).toMatchObject({ minor: 0, close: true });
    expect(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")).toMatchObject({ minor: 0, close: false });
    expect(parse("GET http://h.test/p?q HTTP/1.1\r\nHost: h.test\r\n\r\n")!.target).toBe("/p?q");
    expect(parse("GET http://h.test HTTP/1.1\r\n\r\n")!.target).toBe("/");
    expect(parse("OPTIONS * HTTP/1.1\r\n\r\n")!.target).toBe("*");
    expect(parse("GET /ws HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n")).toMatchObject({ upgrade: "websocket", close: false });
    expect(parse("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")!.upgrade).toBeNull(); // not listed in Connection
    expect(parse("GET / HTTP/1.1\r\nConnection: x-secret, close\r\n\r\n")).toMatchObject({ connectionTokens: ["x-secret"], close: true });
    expect(parse("GET / HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n")!.rewrite).toBe(true);
  });

  test("malformed heads: 400, unsupported codings 501, versions 505, too large 431", () => {
    for (const bad of [
      "GET / HTTP/1.1\r\n folded: x\r\n\r\n", "GET / HTTP/1.1\r\nName : v\r\n\r\n", "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
      "GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n", "GET / HTTP/1.1\r\nA: b\rC: d\r\n\r\n", "GET / HTTP/1.1\r\nA: \0\r\n\r\n",
      "GET /a b HTTP/1.1\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n", "GET x HTTP/1.1\r\n\r\n", "GET /\tx HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "GET / FTP/1.1\r\n\r\n",
    ]) expect([bad, status(bad)]).toEqual([bad, 400]);
    expect(status("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")).toBe(501);
    expect(status("GET / HTTP/2.0\r\n\r\n")).toBe(505);
    expect(status(`GET / HTTP/1.1\r\nX: ${"a".repeat(70_000)}`)).toBe(431);
    expect(status("GET / HTTP/1.1\r\nContent-Length: 7, 7\r\n\r\n")).toBe(0);
  });
});

describe("BodyReader", () => {
  test("chunked bodies end where the last chunk and trailers end, in any split; raw mode leaves the bytes to the caller", () => {
    const body = "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n";
    const next = "GET /next HTTP/1.1\r\n\r\n";
    const all = Buffer.from(body + next);
    for (let split = 0; split <= all.length; split++) {
      const decoded: string[] = [];
      const r = new BodyReader("chunked", 0, { body: (c) => decoded.push(Buffer.from(c).toString()) });
      const raw = new BodyReader("chunked");
      let end = -1, rawEnd = -1, offset = 0;
      for (const part of [all.subarray(0, split), all.subarray(split)]) {
        if (end < 0) { const e = r.read(part, 0); if (r.done) end = offset + e; }
        if (rawEnd < 0) { const e = raw.read(part, 0); if (raw.done) rawEnd = offset + e; }
        offset += part.length;
      }
      expect(decoded.join("")).toBe("hello 0123456789");
      expect(r.trailers).toEqual([["x-sum", "1"]]);
      expect(end).toBe(body.length);
      expect(rawEnd).toBe(body.length);
    }
  });

  test("length bodies stop at their length; a bad chunk size is an error; EOF ends only close-delimited bodies", () => {
    const r = new BodyReader("length", 3);
    expect(r.read(Buffer.from("abcdef"), 0)).toBe(3);
    expect(r.done).toBe(true);
    expect(() => new BodyReader("chunked").read(Buffer.from("xyz\r\n"), 0)).toThrow(HttpParseError);
    expect(() => new BodyReader("length", 3).eof()).toThrow(HttpParseError);
    const c = new BodyReader("close");
    c.read(Buffer.from("abc"), 0);
    c.eof();
    expect(c.done).toBe(true);
  });
});

describe("forwardedRequestHead", () => {
  const fwd = { ip: "10.0.0.9", proto: "http" as const, port: 80, serverName: "node1" };
  const lines = (h: RequestHead | null, target = "10.42.0.5:8080") => forwardedRequestHead(h!, fwd, target).split("\r\n");

  test("the client's fields as sent, then Traefik's forwarded headers; origin-form target, HTTP/1.1", () => {
    expect(lines(parse("GET http://a.test/x?y=1 HTTP/1.0\r\nHost: a.test\r\nUser-Agent: UA\r\nAccept: */*\r\n\r\n"))).toEqual([
      "GET /x?y=1 HTTP/1.1", "Host: a.test", "User-Agent: UA", "Accept: */*",
      "x-forwarded-for: 10.0.0.9", "x-forwarded-proto: http", "x-forwarded-host: a.test", "x-forwarded-port: 80", "x-forwarded-server: node1", "x-real-ip: 10.0.0.9", "", "",
    ]);
  });

  test("hop-by-hop fields and the ones listed in Connection are dropped, prior X-Forwarded-For hops kept, spoofed forwarded headers replaced", () => {
    const h = parse("POST /p HTTP/1.1\r\nHost: a.test\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: 5\r\nTE: trailers\r\nX-Forwarded-For: 1.1.1.1\r\n"
      + "X-Forwarded-For: 2.2.2.2\r\nX-Real-Ip: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Port: 1\r\nX-Forwarded-Server: evil\r\nTransfer-Encoding: chunked\r\nX-Keep: 1\r\n\r\n");
    expect(lines(h)).toEqual([
      "POST /p HTTP/1.1", "Host: a.test", "Transfer-Encoding: chunked", "X-Keep: 1",
      "x-forwarded-for: 1.1.1.1, 2.2.2.2, 10.0.0.9", "x-forwarded-proto: http", "x-forwarded-host: a.test", "x-forwarded-port: 80", "x-forwarded-server: node1", "x-real-ip: 10.0.0.9", "", "",
    ]);
  });

  test("no Host: the endpoint is the Host and X-Forwarded-Host passes through; an upgrade keeps Upgrade and says Connection: upgrade", () => {
    expect(lines(parse("GET / HTTP/1.1\r\nX-Forwarded-Host: orig\r\n\r\n"))).toEqual([
      "GET / HTTP/1.1", "X-Forwarded-Host: orig", "host: 10.42.0.5:8080", "x-forwarded-for: 10.0.0.9", "x-forwarded-proto: http", "x-forwarded-port: 80", "x-forwarded-server: node1", "x-real-ip: 10.0.0.9", "", "",
    ]);
    expect(lines(parse("GET /ws HTTP/1.1\r\nHost: w\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n"))).toEqual([
      "GET /ws HTTP/1.1", "Host: w", "Upgrade: websocket", "Sec-WebSocket-Key: k",
      "x-forwarded-for: 10.0.0.9", "x-forwarded-proto: http", "x-forwarded-host: w", "x-forwarded-port: 80", "x-forwarded-server: node1", "x-real-ip: 10.0.0.9", "connection: upgrade", "", "",
    ]);
  });
});
