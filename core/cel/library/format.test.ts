import { describe, expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelFormat } from "./format.ts";
import { CelOptional } from "./optional.ts";

const run = (src: string) => evaluateCel(parseCel(src), {});
/** The errors `format.<name>().validate(value)` gives: undefined for optional.none(). */
function errors(name: string, value: string): readonly string[] | undefined {
  const r = run(`format.${name}().validate(${JSON.stringify(value)})`);
  expect(r).toBeInstanceOf(CelOptional);
  return (r as CelOptional).value as readonly string[] | undefined;
}

const NAMES = ["dns1123Label", "dns1123Subdomain", "dns1035Label", "qualifiedName", "dns1123LabelPrefix", "dns1123SubdomainPrefix",
  "dns1035LabelPrefix", "labelValue", "uri", "uuid", "byte", "date", "datetime"];

const LABEL_ERR = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_ERR = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_ERR = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

describe("format library (apiserver/pkg/cel/library/format.go)", () => {
  test("the doc/test examples validate (format_test example_usage_*)", () => {
    expect(errors("dns1123Label", "my-label-name")).toBeUndefined();
    expect(errors("dns1123Subdomain", "apiextensions.k8s.io")).toBeUndefined();
    expect(errors("dns1035Label", "my-label-name")).toBeUndefined();
    expect(errors("qualifiedName", "apiextensions.k8s.io/v1beta1")).toBeUndefined();
    expect(errors("dns1123LabelPrefix", "my-label-prefix-")).toBeUndefined();
    expect(errors("dns1123SubdomainPrefix", "mysubdomain.prefix.-")).toBeUndefined();
    expect(errors("dns1035LabelPrefix", "my-label-prefix-")).toBeUndefined();
    expect(errors("labelValue", "my-cool-label-Value")).toBeUndefined();
    expect(errors("uri", "http://example.com")).toBeUndefined();
    expect(errors("uuid", "123e4567-e89b-12d3-a456-426614174000")).toBeUndefined();
    expect(errors("byte", "aGVsbG8=")).toBeUndefined();
    expect(errors("date", "2021-01-01")).toBeUndefined();
    expect(errors("datetime", "2021-01-01T00:00:00Z")).toBeUndefined();
  });

  test("name formats return apimachinery's messages (format_test failure cases)", () => {
    expect(errors("dns1123Label", "contains a space")).toEqual([LABEL_ERR]);
    expect(errors("dns1123Subdomain", "contains a space")).toEqual([SUBDOMAIN_ERR]);
    expect(errors("dns1035Label", "contains a space")).toEqual([DNS1035_ERR]);
    expect(errors("qualifiedName", "contains a space")).toEqual([
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]);
    expect(errors("dns1123LabelPrefix", "contains a space-")).toEqual([LABEL_ERR]);
    expect(errors("dns1123SubdomainPrefix", "contains a space-")).toEqual([SUBDOMAIN_ERR]);
    expect(errors("dns1035LabelPrefix", "contains a space-")).toEqual([DNS1035_ERR]);
    expect(errors("labelValue", "my-cool-label-Value!!\n\n!!!")).toEqual([
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]);
  });

  test("length limits, dots in labels, prefixes", () => {
    expect(errors("dns1123Label", "a".repeat(64))).toEqual(["must be no more than 63 characters"]);
    expect(errors("dns1123Label", "a.b")).toEqual(["must not contain dots"]);
    expect(errors("dns1035Label", "1abc")).toEqual([DNS1035_ERR]);
    expect(errors("dns1123Subdomain", `${"a".repeat(250)}.com`)).toEqual(["must be no more than 253 characters"]);
    // The trailing dash of a prefix is masked; without the Prefix variant it is an error.
    expect(errors("dns1123Label", "web-")).toEqual([LABEL_ERR]);
    expect(errors("dns1123LabelPrefix", "web-")).toBeUndefined();
    expect(errors("dns1035LabelPrefix", "1-")).toBeUndefined(); // masked to "a"
    expect(() => run("format.dns1123LabelPrefix().validate('-')")).toThrow("slice bounds out of range");
    expect(errors("qualifiedName", "example.com/")).toEqual(["name part must be non-empty", expect.stringContaining("name part must consist of")]);
    expect(errors("labelValue", "")).toBeUndefined();
  });

  test("uri uses url.ParseRequestURI and reports its error", () => {
    expect(errors("uri", "/absolute/path")).toBeUndefined();
    expect(errors("uri", "relative/path")).toEqual(['parse "relative/path": invalid URI for request']);
    expect(errors("uri", "")).toEqual(['parse "": empty url']);
  });

  test("uuid, byte, date, datetime follow kube-openapi strfmt (format_test *_success/*_failure)", () => {
    expect(errors("uuid", "123E4567E89B12D3A456426614174000")).toBeUndefined();
    expect(errors("uuid", "123e4567-e89b-12d3-a456-42661417400")).toEqual(["does not match the UUID format"]);
    expect(errors("byte", "aGVsbG8")).toEqual(["invalid base64"]);
    expect(errors("byte", "")).toEqual(["invalid base64"]);
    expect(errors("byte", "aGk-")).toEqual(["invalid base64"]);
    expect(errors("date", "2020-01-01")).toBeUndefined();
    expect(errors("date", "2020-01-32")).toEqual(["invalid date"]);
    expect(errors("date", "2020-02-29")).toBeUndefined();
    expect(errors("date", "2019-02-29")).toEqual(["invalid date"]);
    expect(errors("date", "2020-1-01")).toEqual(["invalid date"]);
    expect(errors("datetime", "2020-01-01T00:00:00Z")).toBeUndefined();
    expect(errors("datetime", "2020-01-01t23:59:59.123+05:30")).toBeUndefined();
    expect(errors("datetime", "2020-01-32T00:00:00Z")).toEqual(["invalid datetime"]);
    expect(errors("datetime", "2020-01-01T24:00:00Z")).toEqual(["invalid datetime"]);
    expect(errors("datetime", "2020-01-01T00:00:00")).toEqual(["invalid datetime"]);
  });

  test("format.named gives optional formats equal to the constants (format_test lookup and comparison)", () => {
    for (const name of NAMES) {
      const named = run(`format.named('${name}')`) as CelOptional;
      expect(named.hasValue).toBe(true);
      expect(named.value).toBeInstanceOf(CelFormat);
      expect(run(`format.${name}()`)).toEqual(named.value!);
      for (const other of NAMES) expect(run(`format.${name}() == format.${other}()`)).toBe(name === other);
    }
    expect((run("format.named('unknown')") as CelOptional).hasValue).toBe(false);
    expect((run("format.dns1123Label()") as CelFormat).celType).toBe("kubernetes.NamedFormat");
  });

  test("wrong argument types are no such overload", () => {
    expect(() => run("format.dns1123Label().validate(1)")).toThrow("no such overload");
    expect(() => run("format.named(1)")).toThrow("no such overload");
    expect(() => run("'x'.validate('y')")).toThrow("no such overload");
  });
});
