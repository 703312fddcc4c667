import { expect, test } from "bun:test";
import { schemaPattern } from "./schema-pattern.ts";
import { validateAgainstSchema } from "./schema-validate.ts";

test("CRD patterns are RE2: (?i) flags (prometheus-operator's CRDs) compile and match case-insensitively", () => {
  const re = schemaPattern("^(?i)(abort|warn)?$");
  expect(re).toBeInstanceOf(RegExp);
  expect((re as RegExp).test("ABORT")).toBe(true);
  expect((re as RegExp).test("stop")).toBe(false);
  const months = schemaPattern("^((?i)january|february|march|([1-9]|1[0-2]))$") as RegExp;
  expect(months.test("January")).toBe(true);
  expect(months.test("12")).toBe(true);
});

test("JS-only syntax that Go's regexp refuses is an invalid pattern, with Go's words", () => {
  const err = schemaPattern("^(?=a)a$");
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toContain("invalid or unsupported Perl syntax");
});

test("objects are checked against RE2 patterns", () => {
  const schema = { type: "object", properties: { s: { type: "string", pattern: "^(?i)(abort|warn)?$" } } };
  expect(validateAgainstSchema(schema, { s: "Warn" })).toEqual([]);
  expect(validateAgainstSchema(schema, { s: "nope" }).length).toBe(1);
});
