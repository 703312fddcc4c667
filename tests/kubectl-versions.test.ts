/**
 * The core flow with the oldest and newest kubectl binaries beside the dispatcher (1.27 checks
 * fieldValidation support through protobuf OpenAPI v2; 1.33 through v3). Every command must
 * succeed with nothing at all on stderr (no warnings, no client-side validation fallbacks).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { configMap, deploymentYaml, KUBECTL_DIR, waitForNamespaceContents } from "./harness/kube.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server?.stop(); });

for (const minor of ["27", "28", "33"]) {
  describe(`kubectl 1.${minor}`, () => {
    const binary = `${KUBECTL_DIR}/kubectl.1.${minor}`;
    /** Runs kubectl, expects success and an empty stderr, returns stdout. */
    const clean = async (args: string[], stdin?: string) => {
      const r = await kubectl(server, args, { stdin, binary });
      expect({ args: args.join(" "), code: r.code, stderr: r.stderr }).toEqual({ args: args.join(" "), code: 0, stderr: "" });
      return r.stdout;
    };

    test("create, apply (client- and server-side), get, patch, label, scale, delete", async () => {
      const ns = `v${minor}-${process.pid}`;
      expect(await clean(["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }))).toBe(`namespace/${ns} created\n`);
      await waitForNamespaceContents(server, ns);
      const n = (args: string[], stdin?: string) => clean(["-n", ns, ...args], stdin);

      expect(await n(["create", "-f", "-"], configMap("cm", { a: "1" }))).toBe("configmap/cm created\n");
      expect(await n(["apply", "-f", "-"], deploymentYaml("web", 2))).toBe("deployment.apps/web created\n");
      expect(await n(["apply", "-f", "-"], deploymentYaml("web", 2))).toBe("deployment.apps/web unchanged\n");
      expect(await n(["apply", "-f", "-"], deploymentYaml("web", 3))).toBe("deployment.apps/web configured\n");
      expect(await n(["apply", "--server-side", "--force-conflicts", "-f", "-"], deploymentYaml("web", 4))).toBe("deployment.apps/web serverside-applied\n");
      expect(await n(["apply", "--server-side", "-f", "-"], configMap("ssa", { x: "y" }))).toBe("configmap/ssa serverside-applied\n");

      expect(await n(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"])).toBe("4");
      expect(await n(["get", "deploy"])).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/4\s+\d\s+0\s+\d+s\n/);
      expect(JSON.parse(await n(["get", "cm", "-o", "json"])).items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["cm", "kube-root-ca.crt", "ssa"]);

      expect(await n(["patch", "deploy", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}'])).toBe("deployment.apps/web patched\n");
      expect(await n(["patch", "cm", "cm", "--type=merge", "-p", '{"data":{"b":"2"}}'])).toBe("configmap/cm patched\n");
      expect(await n(["patch", "cm", "cm", "--type=json", "-p", '[{"op":"remove","path":"/data/a"}]'])).toBe("configmap/cm patched\n");
      expect(await n(["get", "cm", "cm", "-o", "jsonpath={.data}"])).toBe('{"b":"2"}');
      expect(await n(["label", "deploy", "web", "tier=front"])).toBe("deployment.apps/web labeled\n");
      expect(await n(["scale", "deploy", "web", "--replicas=1"])).toBe("deployment.apps/web scaled\n");
      expect(await n(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.metadata.labels.tier} {.spec.template.spec.containers[0].image}"])).toBe("1 front nginx:1.27");

      expect(await n(["create", "configmap", "typed", "--from-literal=k=v"])).toBe("configmap/typed created\n");
      expect(await n(["delete", "cm", "cm", "typed"])).toBe('configmap "cm" deleted\nconfigmap "typed" deleted\n');
      expect(await n(["delete", "-f", "-"], deploymentYaml("web"))).toBe('deployment.apps "web" deleted\n');
      const gone = await kubectl(server, ["-n", ns, "get", "deploy", "web"], { binary });
      expect(gone.stderr.trim()).toBe('Error from server (NotFound): deployments.apps "web" not found');
    });

    // OpenAPI v2 carries the built-in kinds' definitions: kubectl explain reads them, and
    // kubectl 1.27's client-side apply computes its strategic merge patch from them.
    test("explain over OpenAPI v2, and apply merging a container list by its keys", async () => {
      const explained = await clean(["explain", "deployment.spec.strategy", "--output=plaintext-openapiv2"]);
      expect(explained).toMatch(/^KIND:\s+Deployment\nVERSION:\s+apps\/v1\n/);
      expect(explained).toMatch(/FIELDS:\n\s+rollingUpdate\t<Object>/);
      const ns = `v2-${minor}-${process.pid}`;
      await clean(["create", "namespace", ns]);
      const deployment = (containers: unknown[]) => JSON.stringify({
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "merge", namespace: ns },
        spec: { selector: { matchLabels: { app: "merge" } }, template: { metadata: { labels: { app: "merge" } }, spec: { containers } } },
      });
      const a = (x: string) => ({ name: "a", image: "busybox", env: [{ name: "X", value: x }, { name: "Z", value: "2" }] });
      expect(await clean(["apply", "-f", "-"], deployment([a("1"), { name: "b", image: "busybox" }]))).toBe("deployment.apps/merge created\n");
      expect(await clean(["apply", "-f", "-"], deployment([a("9")]))).toBe("deployment.apps/merge configured\n");
      const containers = JSON.parse(await clean(["-n", ns, "get", "deploy", "merge", "-o", "jsonpath={.spec.template.spec.containers}"]));
      expect(containers.map((c: { name: string; env: unknown }) => [c.name, c.env])).toEqual([["a", [{ name: "X", value: "9" }, { name: "Z", value: "2" }]]]);
      await clean(["delete", "namespace", ns, "--wait=false"]);
    });
  });
}
