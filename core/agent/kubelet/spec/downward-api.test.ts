import { describe, expect, test } from "bun:test";
import { containerResourceValue, formatMap, withAllocatableLimits } from "./downward-api.ts";

describe("formatMap (fieldpath.FormatMap with Go %q)", () => {
  test("sorted k=\"v\" lines, Go escapes", () => {
    expect(formatMap({ b: "2", a: 'q"\\', c: "tab\there\x01\x7f\u00e9" })).toBe('a="q\\"\\\\"\nb="2"\nc="tab\\there\\x01\\x7fé"');
    expect(formatMap(undefined)).toBe("");
  });
});

describe("withAllocatableLimits", () => {
  test("fills missing or zero cpu/memory/ephemeral-storage limits only", () => {
    const c = { name: "c", resources: { requests: { cpu: "1" }, limits: { cpu: "500m", memory: "0" } } };
    const got = withAllocatableLimits(c, { cpu: "4", memory: "8Gi", "ephemeral-storage": "50Gi", pods: "110" });
    expect(got.resources?.limits).toEqual({ cpu: "500m", memory: "8Gi", "ephemeral-storage": "50Gi" });
    expect(c.resources.limits).toEqual({ cpu: "500m", memory: "0" }); // input untouched
  });
});

describe("containerResourceValue", () => {
  test("hugepages and ephemeral storage", () => {
    const c = { name: "c", resources: { limits: { "hugepages-2Mi": "4Mi", "ephemeral-storage": "1Gi" }, requests: { "ephemeral-storage": "500Mi" } } };
    expect(containerResourceValue({ resource: "limits.hugepages-2Mi", divisor: "1Mi" }, c)).toBe("4");
    expect(containerResourceValue({ resource: "limits.ephemeral-storage", divisor: "1Mi" }, c)).toBe("1024");
    expect(containerResourceValue({ resource: "requests.ephemeral-storage", divisor: "1Gi" }, c)).toBe("1");
  });
  test("unsupported resources", () => {
    expect(() => containerResourceValue({ resource: "cpu" }, { name: "c" })).toThrow("unsupported container resource : cpu");
    expect(() => containerResourceValue({ resource: "limits.nvidia.com/gpu" }, { name: "c" })).toThrow("unsupported container resource : limits.nvidia.com/gpu");
  });
});
