import { describe, expect, test } from "bun:test";
import { endsLogicalLine, parseCriLogLine, parseRfc3339 } from "./cri-log-format.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("parseRfc3339", () => {
  test("nanoseconds, Z and offsets", () => {
    expect(parseRfc3339("2024-05-01T10:00:00Z")).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseRfc3339("2024-05-01T10:00:00.123456789Z")).toBeCloseTo(Date.UTC(2024, 4, 1, 10) + 123.456789, 5);
    expect(parseRfc3339("2024-05-01T12:30:00+02:30")).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseRfc3339("2024-05-01T08:00:00-02:00")).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseRfc3339("yesterday")).toBeNaN();
  });
});

describe("parseCriLogLine", () => {
  test("a full stdout record keeps its newline", () => {
    const r = parseCriLogLine(enc("2024-05-01T10:00:00.5Z stdout F hello world\n"))!;
    expect(r).toMatchObject({ timestamp: "2024-05-01T10:00:00.5Z", stream: "stdout", partial: false });
    expect(dec(r.content)).toBe("hello world\n");
    expect(r.time).toBe(Date.UTC(2024, 4, 1, 10) + 500);
  });
  test("a partial stderr record loses the line's newline", () => {
    const r = parseCriLogLine(enc("2024-05-01T10:00:00Z stderr P part one\n"))!;
    expect(r).toMatchObject({ stream: "stderr", partial: true });
    expect(dec(r.content)).toBe("part one");
  });
  test("extra tags after ':' and empty content", () => {
    expect(parseCriLogLine(enc("2024-05-01T10:00:00Z stdout F:x \n"))!.partial).toBe(false);
    expect(dec(parseCriLogLine(enc("2024-05-01T10:00:00Z stdout F \n"))!.content)).toBe("\n");
    expect(dec(parseCriLogLine(enc("2024-05-01T10:00:00Z stdout F\n"))!.content)).toBe("\n");
  });
  test("content with spaces is kept whole; an unfinished last line has no newline", () => {
    expect(dec(parseCriLogLine(enc("2024-05-01T10:00:00Z stdout F  a  b"))!.content)).toBe(" a  b");
  });
  test("malformed lines are rejected", () => {
    for (const bad of ["", "garbage\n", "2024-05-01T10:00:00Z stdin F x\n", "notatime stdout F x\n", "2024-05-01T10:00:00Z stdout X x\n", "2024-05-01T10:00:00Z stdout"]) {
      expect(parseCriLogLine(enc(bad))).toBeUndefined();
    }
  });
  test("endsLogicalLine", () => {
    expect(endsLogicalLine(enc("2024-05-01T10:00:00Z stdout P a\n"))).toBe(false);
    expect(endsLogicalLine(enc("2024-05-01T10:00:00Z stdout F a\n"))).toBe(true);
    expect(endsLogicalLine(enc("junk\n"))).toBe(true);
  });
});
