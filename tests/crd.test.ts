/**
 * End-to-end: CustomResourceDefinitions with the real kubectl (the dispatcher's default 1.32)
 * against the compiled dist/lite: apply a CRD, wait for Established, apply custom objects three
 * times, printer columns, short names, explain, merge patch, scale, schema errors, get all,
 * delete the CRD with its objects.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { ok } from "./harness/kube.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server?.stop(); });

const k = (args: string[], stdin?: string) => kubectl(server, args, { stdin });

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: CronTabSpec is the desired state of a CronTab.
            properties:
              cronSpec:
                type: string
                description: The cron schedule, in cron format.
              image:
                type: string
                description: The container image to run.
              replicas:
                type: integer
                minimum: 1
                maximum: 10
                default: 1
            required: [cronSpec]
          status:
            type: object
            properties:
              replicas: {type: integer}
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
`;

const cronTab = (image: string, extra = "") => `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: my-cron
spec:
  cronSpec: "* * * * */5"
  image: ${image}
${extra}`;

describe("CustomResourceDefinition end to end", () => {
  test("[sig-api-machinery] CustomResourceDefinition resources: creating a CRD; kubectl wait --for=condition=Established", async () => {
    expect(ok(await k(["apply", "-f", "-"], CRD)).trim()).toBe("customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created");
    expect(ok(await k(["wait", "--for=condition=Established", "--timeout=10s", "crd/crontabs.stable.example.com"])).trim())
      .toBe("customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com condition met");
    const resources = ok(await k(["api-resources", "--api-group=stable.example.com"]));
    expect(resources).toMatch(/crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);
  });

  test("client-side apply of a custom object three times: created, unchanged, configured", async () => {
    expect(ok(await k(["apply", "-f", "-"], cronTab("img:1"))).trim()).toBe("crontab.stable.example.com/my-cron created");
    expect(ok(await k(["apply", "-f", "-"], cronTab("img:1"))).trim()).toBe("crontab.stable.example.com/my-cron unchanged");
    const r = await k(["apply", "-f", "-"], cronTab("img:2"));
    expect(ok(r).trim()).toBe("crontab.stable.example.com/my-cron configured");
    expect(r.stderr).toBe("");
    expect(ok(await k(["get", "crontab", "my-cron", "-o", "jsonpath={.spec.image} {.spec.replicas}"]))).toBe("img:2 1");
  });

  test("kubectl get shows the printer columns; short names and get all work", async () => {
    const lines = ok(await k(["get", "crontabs"])).trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+SPEC\s+REPLICAS\s+AGE$/);
    expect(lines[1]).toMatch(/^my-cron\s+\* \* \* \* \*\/5\s+1\s+\d+s$/);
    expect(ok(await k(["get", "ct"]))).toContain("my-cron");
    expect(ok(await k(["get", "all"]))).toContain("crontab.stable.example.com/my-cron");
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI: kubectl explain prints the CRD's field documentation", async () => {
    const out = ok(await k(["explain", "crontab.spec"]));
    expect(out).toContain("GROUP:      stable.example.com");
    expect(out).toContain("KIND:       CronTab");
    expect(out).toContain("VERSION:    v1");
    expect(out).toContain("CronTabSpec is the desired state of a CronTab.");
    expect(out).toMatch(/cronSpec\s+<string> -required-/);
    expect(out).toContain("The cron schedule, in cron format.");
  });

  test("kubectl patch --type=merge, and strategic merge patch is refused as upstream does", async () => {
    expect(ok(await k(["patch", "crontab", "my-cron", "--type=merge", "-p", '{"spec":{"image":"img:3"}}'])).trim()).toBe("crontab.stable.example.com/my-cron patched");
    const smp = await k(["patch", "crontab", "my-cron", "-p", '{"spec":{"image":"img:4"}}']);
    expect(smp.code).not.toBe(0);
    expect(smp.stderr).toContain("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  });

  test("kubectl scale through the scale subresource", async () => {
    expect(ok(await k(["scale", "crontab", "my-cron", "--replicas=3"])).trim()).toBe("crontab.stable.example.com/my-cron scaled");
    expect(ok(await k(["get", "ct", "my-cron", "-o", "jsonpath={.spec.replicas}"]))).toBe("3");
  });

  test("a custom object violating the schema is rejected with upstream's message", async () => {
    const r = await k(["apply", "-f", "-"], cronTab("img:1", "  replicas: lots\n").replace("my-cron", "bad-cron"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The CronTab "bad-cron" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    const unknown = await k(["apply", "-f", "-"], cronTab("img:1", "  colour: red\n").replace("my-cron", "strict-cron"));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown field "spec.colour"');
  });

  test("x-kubernetes-validations rules (CEL) refuse a custom object through kubectl with the rule's message", async () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "ranges.rules.example.com" },
      spec: {
        group: "rules.example.com", scope: "Namespaced", names: { plural: "ranges", singular: "range", kind: "Range" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: {
          type: "object", properties: { min: { type: "integer" }, max: { type: "integer" } },
          "x-kubernetes-validations": [{ rule: "self.min <= self.max", message: "min must not exceed max" }],
        } } } } }],
      },
    };
    ok(await k(["apply", "-f", "-"], JSON.stringify(crd)));
    ok(await k(["wait", "--for=condition=Established", "crd/ranges.rules.example.com", "--timeout=20s"]));
    const range = (name: string, min: number, max: number) => JSON.stringify({ apiVersion: "rules.example.com/v1", kind: "Range", metadata: { name, namespace: "default" }, spec: { min, max } });
    ok(await k(["apply", "-f", "-"], range("fine", 1, 2)));
    const r = await k(["apply", "-f", "-"], range("inverted", 3, 2));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Range "inverted" is invalid: spec: Invalid value: "object": min must not exceed max');
    ok(await k(["delete", "crd", "ranges.rules.example.com"]));
  });

  test("CEL rules compile when the CRD is applied (undefined field refused) and typed rules (quantity, date-time) are enforced", async () => {
    const crd = (rules: { rule: string; message?: string }[]) => JSON.stringify({
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "leases.typed.example.com" },
      spec: {
        group: "typed.example.com", scope: "Namespaced", names: { plural: "leases", singular: "lease", kind: "Lease" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: {
          type: "object", properties: { size: { type: "string" }, expiry: { type: "string", format: "date-time" } },
          "x-kubernetes-validations": rules,
        } } } } }],
      },
    });
    const bad = await k(["apply", "-f", "-"], crd([{ rule: "self.sise != ''" }]));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`The CustomResourceDefinition "leases.typed.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.sise != ''", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field 'sise'`);
    ok(await k(["apply", "-f", "-"], crd([
      { rule: "quantity(self.size).isLessThan(quantity('10Gi'))", message: "size must be under 10Gi" },
      { rule: "self.expiry > timestamp('2020-01-01T00:00:00Z')", message: "expiry must be after 2020" },
    ])));
    ok(await k(["wait", "--for=condition=Established", "crd/leases.typed.example.com", "--timeout=20s"]));
    const lease = (name: string, size: string, expiry: string) => JSON.stringify({ apiVersion: "typed.example.com/v1", kind: "Lease", metadata: { name, namespace: "default" }, spec: { size, expiry } });
    ok(await k(["apply", "-f", "-"], lease("fine", "1Gi", "2030-01-01T00:00:00Z")));
    const big = await k(["apply", "-f", "-"], lease("big", "20Gi", "2030-01-01T00:00:00Z"));
    expect(big.code).not.toBe(0);
    expect(big.stderr).toContain('The Lease "big" is invalid: spec: Invalid value: "object": size must be under 10Gi');
    const old = await k(["apply", "-f", "-"], lease("old", "1Gi", "2019-06-01T00:00:00Z"));
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain('The Lease "old" is invalid: spec: Invalid value: "object": expiry must be after 2020');
    ok(await k(["delete", "crd", "leases.typed.example.com"]));
  });

  test("[sig-api-machinery] CustomResourceDefinition resources: kubectl delete crd removes the custom objects", async () => {
    ok(await k(["apply", "-f", "-"], cronTab("img:1").replace("my-cron", "second-cron")));
    expect(ok(await k(["delete", "crd", "crontabs.stable.example.com"])).trim()).toBe('customresourcedefinition.apiextensions.k8s.io "crontabs.stable.example.com" deleted');
    expect(ok(await k(["get", "crd", "-o", "name"]))).not.toContain("crontabs");
    const gone = await k(["get", "--raw", "/apis/stable.example.com/v1/crontabs"]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("NotFound");
    // Re-creating the CRD serves an empty list: the objects were deleted with it.
    ok(await k(["apply", "-f", "-"], CRD));
    ok(await k(["wait", "--for=condition=Established", "--timeout=10s", "crd/crontabs.stable.example.com"]));
    const list = JSON.parse(ok(await k(["get", "--raw", "/apis/stable.example.com/v1/crontabs"])));
    expect(list.items).toEqual([]);
  });
});
