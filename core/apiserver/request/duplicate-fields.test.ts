import { describe, expect, test } from "bun:test";
import { duplicateFieldsOf, rememberSource, scanJsonDuplicates, scanYamlDuplicates } from "./duplicate-fields.ts";

describe("JSON duplicate fields", () => {
  test("paths as upstream's strict decoder names them, with the first offset of every field", () => {
    const text = `{"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"x":1,"x":2}],"r":1,"r":2,"s":"a\\"b"}}`;
    const scan = scanJsonDuplicates(text)!;
    expect(scan.duplicates.map((d) => d.path)).toEqual(["metadata.name", "spec.containers[0].x", "spec.r"]);
    expect(scan.duplicates[0]!.offset).toBe(text.indexOf('"name":"b"'));
    expect(scan.offsets.get("spec.containers[0].x")).toBe(text.indexOf('"x"'));
  });

  test("no duplicates: undefined; the same key in sibling objects is no duplicate", () => {
    expect(scanJsonDuplicates(`{"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}],"d":[],"e":{}}`)).toBeUndefined();
  });

  test("decoded bodies: compact texts (the usual client encoding) and others give the same answer", () => {
    const decoded = (text: string) => {
      const body = JSON.parse(text) as object;
      rememberSource(body, "json", text);
      return duplicateFieldsOf(body);
    };
    expect(decoded(`{"a":{"k":1},"b":[1,2]}\n`)).toBeUndefined();
    expect(decoded(`{ "a": {"k": 1}, "b": [1, 2] }`)).toBeUndefined();
    // Compact and with a repeated key: the text is longer than the parsed object's encoding.
    expect(decoded(`{"a":{"k":1,"k":1}}`)).toMatchObject({ format: "json", scan: { duplicates: [{ path: "a.k" }] } });
    expect(decoded(`{"a":{"k":1},"a":{"k":1}}`)).toMatchObject({ format: "json", scan: { duplicates: [{ path: "a" }] } });
  });
});

describe("YAML duplicate keys (yaml.v2 messages)", () => {
  test("block mappings, also inside sequence items; lines are 1-based", () => {
    const text = `
apiVersion: v1
metadata:
  name: a
  name: b
spec:
  ports:
  - name: x
    port: 1
    port: 2
  - name: y
    port: 3
  foo: 1
  foo: 2
`;
    expect(scanYamlDuplicates(text)).toEqual([
      'line 5: key "name" already set in map',
      'line 10: key "port" already set in map',
      'line 14: key "foo" already set in map',
    ]);
  });

  test("keys in sibling mappings, block scalars and comments are not duplicates", () => {
    expect(scanYamlDuplicates(`a:\n  k: 1\nb:\n  k: 2\nc: |\n  k: 1\n  k: 2\n# k: 1\nd: "x: y"\n`)).toEqual([]);
  });

  test("JSON text (what kubectl sends as an apply configuration): the line of the repeated key", () => {
    expect(scanYamlDuplicates(`{\n  "spec": {\n    "paused": false,\n    "paused": true\n  }\n}`)).toEqual(['line 4: key "paused" already set in map']);
  });
});
