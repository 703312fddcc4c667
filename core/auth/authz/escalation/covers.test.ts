import { describe, expect, test } from "bun:test";
import { covers } from "./covers.ts";
import { compactString, describeMissing } from "./describe-rules.ts";

describe("escalation: Covers and the missing-rule descriptions", () => {
  test("wildcards and */subresource cover; names narrow", () => {
    expect(covers([{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }], [{ verbs: ["get"], apiGroups: ["apps"], resources: ["deployments"] }]).covered).toBe(true);
    expect(covers([{ verbs: ["get"], apiGroups: [""], resources: ["*/log"] }], [{ verbs: ["get"], apiGroups: [""], resources: ["pods/log"] }]).covered).toBe(true);
    expect(covers([{ verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"] }], [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }]).covered).toBe(false);
    expect(covers([{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }], [{ verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"] }]).covered).toBe(true);
    expect(covers([{ verbs: ["get"], nonResourceURLs: ["/apis/*"] }], [{ verbs: ["get"], nonResourceURLs: ["/apis/apps"] }]).covered).toBe(true);
  });

  test("missing rules are broken down, compacted by verb and printed as upstream CompactString", () => {
    const { covered, missing } = covers([{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }],
      [{ verbs: ["get", "create", "delete"], apiGroups: [""], resources: ["pods", "secrets"] }]);
    expect(covered).toBe(false);
    expect(describeMissing(missing)).toEqual([
      '{APIGroups:[""], Resources:["pods"], Verbs:["create" "delete"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "create" "delete"]}',
    ]);
    expect(compactString({ verbs: ["get"], nonResourceURLs: ["/x"] })).toBe('{NonResourceURLs:["/x"], Verbs:["get"]}');
  });
});
