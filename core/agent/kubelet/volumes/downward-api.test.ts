import { describe, expect, test } from "bun:test";
import type { KubeObject } from "@lite/sdk";
import { downwardApiPayload, fieldPathValue, formatMap, goQuote, resourceFieldValue } from "./downward-api.ts";

const pod: KubeObject = {
  metadata: { name: "p", namespace: "ns", uid: "u-1", labels: { b: "2", a: 'say "hi"' }, annotations: { "x.io/y": "line1\nline2\ttab" } },
  spec: {
    containers: [
      { name: "c", resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "250m", memory: "64Mi", "ephemeral-storage": "1Gi" } } },
      { name: "nolimits" },
    ],
    initContainers: [{ name: "init", resources: { limits: { cpu: "1" } } }],
  },
};
const allocatable = { cpu: "2", memory: "8Gi", "ephemeral-storage": "100Gi" };

describe("Go quoting and maps", () => {
  test("goQuote escapes as strconv.Quote", () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote("\n\t\r\u0007\u0001\u007f")).toBe('"\\n\\t\\r\\a\\x01\\x7f"');
    expect(goQuote("héllo ✓")).toBe('"héllo ✓"');
    expect(goQuote("\u00a0")).toBe('"\\u00a0"');
  });
  test("formatMap sorts keys and has no trailing newline", () => {
    expect(formatMap({ b: "2", a: "1" })).toBe('a="1"\nb="2"');
    expect(formatMap({})).toBe("");
  });
});

describe("fieldRef", () => {
  test("metadata fields, whole maps and subscripts", () => {
    expect(fieldPathValue(pod, "metadata.name")).toBe("p");
    expect(fieldPathValue(pod, "metadata.namespace")).toBe("ns");
    expect(fieldPathValue(pod, "metadata.uid")).toBe("u-1");
    expect(fieldPathValue(pod, "metadata.labels")).toBe('a="say \\"hi\\""\nb="2"');
    expect(fieldPathValue(pod, "metadata.annotations")).toBe('x.io/y="line1\\nline2\\ttab"');
    expect(fieldPathValue(pod, "metadata.labels['b']")).toBe("2");
    expect(fieldPathValue(pod, "metadata.annotations['missing']")).toBe("");
    expect(() => fieldPathValue(pod, "spec.nodeName")).toThrow("unsupported fieldPath: spec.nodeName");
  });
});

describe("resourceFieldRef", () => {
  const v = (containerName: string, resource: string, divisor?: string) => resourceFieldValue(pod, { containerName, resource, divisor }, allocatable);
  test("values rounded up after the divisor (cpu in cores by default)", () => {
    expect(v("c", "limits.cpu")).toBe("1");
    expect(v("c", "limits.cpu", "1m")).toBe("500");
    expect(v("c", "requests.cpu", "100m")).toBe("3");
    expect(v("c", "limits.memory")).toBe(String(128 * 1024 * 1024));
    expect(v("c", "limits.memory", "1Mi")).toBe("128");
    expect(v("c", "requests.memory", "1M")).toBe("68");
    expect(v("c", "requests.ephemeral-storage", "1Gi")).toBe("1");
    expect(v("init", "limits.cpu")).toBe("1");
  });
  test("missing limits default to the node's allocatable; missing requests are 0", () => {
    expect(v("nolimits", "limits.cpu")).toBe("2");
    expect(v("nolimits", "limits.memory", "1Gi")).toBe("8");
    expect(v("nolimits", "requests.cpu")).toBe("0");
  });
  test("errors", () => {
    expect(() => v("ghost", "limits.cpu")).toThrow("container ghost not found");
    expect(() => v("c", "limits.gpu")).toThrow("unsupported container resource : limits.gpu");
  });
});

describe("downwardApiPayload", () => {
  test("items with modes; failures aggregate but every path is present", () => {
    const r = downwardApiPayload([
      { path: "name", fieldRef: { fieldPath: "metadata.name" } },
      { path: "./dir/labels", fieldRef: { fieldPath: "metadata.labels" }, mode: 0o400 },
      { path: "bad1", fieldRef: { fieldPath: "status.podIP" } },
      { path: "bad2", resourceFieldRef: { containerName: "ghost", resource: "limits.cpu" } },
    ], pod, 0o644, () => allocatable);
    expect(r.payload.get("name")).toEqual({ data: "p", mode: 0o644 });
    expect(r.payload.get("dir/labels")?.mode).toBe(0o400);
    expect(r.error).toBe("[unsupported fieldPath: status.podIP, container ghost not found]");
  });
});
