import { describe, expect, test } from "bun:test";
import { HttpParseError, ResponseParser, type ResponseHead } from "./http1-parser.ts";

/** Feeds `parts` (strings) to a parser, returning what it reported. */
function parse(parts: string[], opts: { noBody?: boolean; eof?: boolean } = {}) {
  const out = { heads: [] as ResponseHead[], body: "", ended: false, trailers: [] as [string, string][] };
  const p = new ResponseParser({
    head: (h) => out.heads.push(h),
    body: (c) => { out.body += Buffer.from(c).toString("latin1"); },
    end: (t) => { out.ended = true; out.trailers = t; },
  }, opts.noBody);
  for (const part of parts) p.push(Buffer.from(part, "latin1"));
  if (opts.eof) p.eof();
  return { ...out, parser: p };
}
/** Every split of s into two pushes, and one byte at a time. */
function splits(s: string): string[][] {
  const all = [[s], s.split("")];
  for (let i = 1; i < s.length; i++) all.push([s.slice(0, i), s.slice(i)]);
  return all;
}

describe("ResponseParser", () => {
  test("content-length, in any packet split; the connection is reusable", () => {
    const raw = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello world";
    for (const parts of splits(raw)) {
      const r = parse(parts);
      expect(r.heads).toHaveLength(1);
      expect(r.heads[0]).toMatchObject({ status: 200, statusText: "OK", minor: 1, close: false });
      expect(r.heads[0]!.headers).toEqual([["content-type", "text/plain"], ["content-length", "11"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]]);
      expect(r.body).toBe("hello world");
      expect(r.ended).toBe(true);
      expect(r.parser.extra).toBe(0);
    }
  });

  test("chunked across packet boundaries, with extensions and trailers", () => {
    const raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n";
    for (const parts of splits(raw)) {
      const r = parse(parts);
      expect(r.body).toBe("hello 0123456789");
      expect(r.ended).toBe(true);
      expect(r.trailers).toEqual([["x-checksum", "abc"], ["x-other", "1"]]);
      expect(r.heads[0]!.close).toBe(false);
      expect(r.parser.extra).toBe(0);
    }
  });

  test("chunked: bad framing is an error", () => {
    expect(() => parse(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"])).toThrow(HttpParseError);
    expect(() => parse(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX"])).toThrow(HttpParseError);
    expect(() => parse(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n"], { eof: true })).toThrow(HttpParseError);
  });

  test("close-delimited: no length, or a transfer coding other than chunked; ends at EOF", () => {
    const r = parse(["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome ", "bytes"]);
    expect(r.ended).toBe(false);
    expect(r.heads[0]!.close).toBe(true);
    r.parser.eof();
    expect(r.body).toBe("some bytes");
    const gz = parse(["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz"], { eof: true });
    expect(gz).toMatchObject({ body: "xyz", ended: true });
  });

  test("HEAD, 204 and 304 have no body even with a length; HEAD's next response is not eaten", () => {
    const head = parse(["HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"], { noBody: true });
    expect(head).toMatchObject({ body: "", ended: true });
    expect(head.parser.extra).toBe(0);
    expect(parse(["HTTP/1.1 204 No Content\r\n\r\n"])).toMatchObject({ ended: true, body: "" });
    expect(parse(["HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n"])).toMatchObject({ ended: true, body: "" });
    expect(parse(["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"])).toMatchObject({ ended: true, body: "" });
  });

  test("interim 1xx responses are skipped", () => {
    for (const parts of splits("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")) {
      const r = parse(parts);
      expect(r.heads.map((h) => h.status)).toEqual([201]);
      expect(r.body).toBe("ok");
    }
  });

  test("connection reuse signals: Connection: close, HTTP/1.0, bytes after the response", () => {
    expect(parse(["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"]).heads[0]!.close).toBe(true);
    expect(parse(["HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"]).heads[0]!.close).toBe(true);
    expect(parse(["HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"]).heads[0]!.close).toBe(false);
    expect(parse(["HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab"]).parser.extra).toBe(1);
  });

  test("malformed heads and lengths are errors; EOF before the end is an error", () => {
    expect(() => parse(["HTTP/2 200 OK\r\n\r\n"])).toThrow(HttpParseError);
    expect(() => parse(["HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"])).toThrow(HttpParseError);
    expect(() => parse(["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"])).toThrow(HttpParseError);
    expect(() => parse(["HTTP/1.1 200 OK\r\n folded\r\n\r\n"])).toThrow(HttpParseError);
    expect(() => parse(["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"], { eof: true })).toThrow(HttpParseError);
    expect(() => parse(["HTTP/1.1 200"], { eof: true })).toThrow(HttpParseError);
    expect(parse(["HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"]).body).toBe("ok");
    expect(parse(["HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n"]).heads[0]).toMatchObject({ status: 404, statusText: "" });
  });
});
