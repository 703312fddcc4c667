/**
 * Auto-deploying manifests through the compiled binary (K3s' `server/manifests` directory): files in
 * `<data-dir>/server/manifests/` are applied at start and whenever they change, and recorded as K3s'
 * Addon objects, checked with kubectl.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { kubectl, scratchDir, startServer, type LiteServer } from "./harness/lite-process.ts";
import { ok, within } from "./harness/kube.ts";

setDefaultTimeout(120_000);

let server: LiteServer;
let scratch: ReturnType<typeof scratchDir>;
let manifests: string;

const configMapYaml = (name: string, value: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ""}data:\n  value: "${value}"\n`;
const valueOf = async (name: string, namespace = "default") => {
  const r = await kubectl(server, ["get", "configmap", name, "-n", namespace, "-o", "jsonpath={.data.value}"]);
  return r.code === 0 ? r.stdout : undefined;
};

beforeAll(async () => {
  scratch = scratchDir("lite-deploy-");
  manifests = `${scratch.dir}/server/manifests`;
  mkdirSync(`${manifests}/apps`, { recursive: true });
  // Present before the server starts: a namespace and a ConfigMap in it, in one multi-document file.
  writeFileSync(`${manifests}/base.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: deployed\n---\n${configMapYaml("in-ns", "one", "deployed")}`);
  // A file with a .skip twin is ignored; dotfiles too.
  writeFileSync(`${manifests}/skipped.yaml`, configMapYaml("skipped", "x"));
  writeFileSync(`${manifests}/skipped.yaml.skip`, "");
  writeFileSync(`${manifests}/.hidden.yaml`, configMapYaml("hidden", "x"));
  server = await startServer([], {}, { dataDir: scratch.dir });
});

afterAll(async () => {
  await server?.stop();
  scratch?.cleanup();
});

describe("auto-deploying manifests (dist/lite + kubectl)", () => {
  test("files present at start are applied; .skip twins and dotfiles are not", async () => {
    expect(await within(30_000, () => valueOf("in-ns", "deployed"), 250)).toBe("one");
    expect(await valueOf("skipped")).toBeUndefined();
    expect(await valueOf("hidden")).toBeUndefined();
    // Applied by server-side apply, with lite's deploy field manager.
    const managers = ok(await kubectl(server, ["get", "configmap", "in-ns", "-n", "deployed", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}"]));
    expect(managers).toBe("lite-deploy");
  });

  test("a file added or changed while running is applied within seconds (subdirectories too; no namespace means default)", async () => {
    writeFileSync(`${manifests}/apps/app.yaml`, configMapYaml("app", "v1"));
    expect(await within(10_000, () => valueOf("app"), 250)).toBe("v1");
    writeFileSync(`${manifests}/apps/app.yaml`, configMapYaml("app", "v2"));
    expect(await within(10_000, async () => ((await valueOf("app")) === "v2" ? "v2" : undefined), 250)).toBe("v2");
  });

  test("an object removed from a file is deleted, also after a restart; deleting the file deletes nothing", async () => {
    const path = `${manifests}/pair.yaml`;
    writeFileSync(path, `${configMapYaml("keep", "k")}---\n${configMapYaml("drop", "d")}---\n${configMapYaml("later", "l")}`);
    expect(await within(10_000, async () => ((await valueOf("drop")) && (await valueOf("later")) ? true : undefined), 250)).toBe(true);
    writeFileSync(path, `${configMapYaml("keep", "k")}---\n${configMapYaml("later", "l")}`);
    await within(10_000, async () => ((await valueOf("drop")) === undefined ? true : undefined), 250);
    expect(await valueOf("keep")).toBe("k");
    // What each file applied survives a restart.
    await server.stop();
    writeFileSync(path, configMapYaml("keep", "k"));
    server = await startServer([], {}, { dataDir: scratch.dir });
    await within(15_000, async () => ((await valueOf("later")) === undefined ? true : undefined), 250);
    expect(await valueOf("keep")).toBe("k");
    rmSync(path);
    await Bun.sleep(1500);
    expect(await valueOf("keep")).toBe("k");
  });

  test("a bad file is logged and retried, and does not stop the others; a List and a custom resource with its CRD in the same file land", async () => {
    writeFileSync(`${manifests}/broken.yaml`, "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map\n");
    writeFileSync(`${manifests}/list.json`, JSON.stringify({
      apiVersion: "v1", kind: "List",
      items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "from-list" }, data: { value: "listed" } }],
    }));
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.deploy.lite.test" },
      spec: {
        group: "deploy.lite.test", scope: "Namespaced", names: { plural: "widgets", singular: "widget", kind: "Widget" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    };
    writeFileSync(`${manifests}/widgets.yaml`, `${JSON.stringify(crd)}\n---\napiVersion: deploy.lite.test/v1\nkind: Widget\nmetadata:\n  name: w1\nsize: 3\n`);
    expect(await within(15_000, () => valueOf("from-list"), 250)).toBe("listed");
    await server.waitForLog(/could not apply manifest; retrying at the next scan.*broken\.yaml/, 15_000);
    const widget = await within(20_000, async () => {
      const r = await kubectl(server, ["get", "widget", "w1", "-o", "jsonpath={.size}"]);
      return r.code === 0 ? r.stdout : undefined;
    }, 500);
    expect(widget).toBe("3");
  });

  test("each file is recorded as K3s records it: an Addon in kube-system with its source and checksum, and Events", async () => {
    const path = `${manifests}/recorded.v1.yaml`;
    const text = configMapYaml("recorded", "r");
    writeFileSync(path, text);
    const checksum = new Bun.CryptoHasher("sha256").update(text).digest("hex");
    // `kubectl get addons -A` prints K3s' columns; the name is the file name up to its first period.
    const table = await within(15_000, async () => {
      const r = await kubectl(server, ["get", "addons", "-A"]);
      return r.code === 0 && r.stdout.includes(checksum) ? r.stdout : undefined;
    }, 250);
    expect(table.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+SOURCE\s+CHECKSUM$/); // no AGE: a CRD with printer columns has only those, as upstream
    expect(table).toMatch(new RegExp(`kube-system\\s+recorded\\s+${path.replace(/[.]/g, "\\.")}\\s+${checksum}`));
    const addon = JSON.parse(ok(await kubectl(server, ["get", "addon", "recorded", "-n", "kube-system", "-o", "json"])));
    expect(addon.apiVersion).toBe("k3s.cattle.io/v1");
    expect(addon.metadata.annotations["addon.k3s.cattle.io/gvks"]).toBe("/v1, Kind=ConfigMap");
    const events = await within(10_000, async () => {
      const r = ok(await kubectl(server, ["get", "events", "-n", "kube-system", "--field-selector", "involvedObject.name=recorded", "-o", "jsonpath={range .items[*]}{.reason} {.source.component}{\"\\n\"}{end}"]));
      return r.includes("AppliedManifest") ? r : undefined;
    }, 250);
    expect(events).toContain("ApplyingManifest deploy");
    expect(events).toContain("AppliedManifest deploy");
    // The bad file of the test before has its Addon too, with a Warning and no checksum.
    const broken = await within(10_000, async () => {
      const r = ok(await kubectl(server, ["describe", "addon", "broken", "-n", "kube-system"]));
      return r.includes("ParseManifestFailed") ? r : undefined;
    }, 250);
    expect(broken).toMatch(/Warning\s+ParseManifestFailed\s+.*deploy\s+Parse manifest at ".*broken\.yaml" failed: cannot parse/);
    expect(ok(await kubectl(server, ["get", "addon", "broken", "-n", "kube-system", "-o", "jsonpath={.spec.checksum}"]))).toBe("");
  });
});
