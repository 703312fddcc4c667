/**
 * Write-side kubectl (the dispatcher's default 1.32) against the compiled dist/lite: create,
 * apply (client- and server-side), diff, edit, patch, label/annotate, scale, set image, rollout,
 * delete, wait, replace, dry runs and the error texts kubectl prints. One server for the file;
 * each case works in its own namespace.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { configMap, deploymentYaml, freshNamespace, ok, podYaml, yaml } from "./harness/kube.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
let work: string;
beforeAll(async () => {
  server = await startServer();
  work = mkdtempSync(`${tmpdir()}/lite-kubectl-write-`);
});
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

const k = (args: string[], stdin?: string, env?: Record<string, string>) => kubectl(server, args, { stdin, env });
const jp = async (ns: string, target: string, path: string) => ok(await k(["-n", ns, "get", target, "-o", `jsonpath=${path}`]));

describe("create and apply", () => {
  test("create -f with several documents, then AlreadyExists as kubectl prints it", async () => {
    const ns = await freshNamespace(server, "create");
    const docs = [yaml(configMap("one", { a: "1" })), deploymentYaml("web")].join("\n---\n");
    const r = await k(["-n", ns, "create", "-f", "-"], docs);
    expect(r.stderr).toBe("");
    expect(ok(r)).toBe("configmap/one created\ndeployment.apps/web created\n");
    const again = await k(["-n", ns, "create", "-f", "-"], deploymentYaml("web"));
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('Error from server (AlreadyExists): error when creating "STDIN": deployments.apps "web" already exists');
  });

  test("kubectl create <kind> subcommands (protobuf bodies)", async () => {
    const ns = await freshNamespace(server, "typed");
    const run = async (args: string[]) => { const r = await k(["-n", ns, "create", ...args]); expect(r.stderr).toBe(""); return ok(r).trim(); };
    expect(await run(["configmap", "cm", "--from-literal=a=b"])).toBe("configmap/cm created");
    expect(await run(["secret", "generic", "s", "--from-literal=x=y"])).toBe("secret/s created");
    expect(await run(["deployment", "d", "--image=nginx:1.25", "--replicas=3"])).toBe("deployment.apps/d created");
    expect(await run(["service", "clusterip", "svc", "--tcp=80:8080"])).toBe("service/svc created");
    expect(await run(["job", "j", "--image=busybox"])).toBe("job.batch/j created");
    expect(await run(["serviceaccount", "sa"])).toBe("serviceaccount/sa created");
    expect(await jp(ns, "cm/cm", "{.data.a}")).toBe("b");
    expect(await jp(ns, "deploy/d", "{.spec.replicas} {.spec.template.spec.containers[0].image}")).toBe("3 nginx:1.25");
    expect(await jp(ns, "svc/svc", "{.spec.ports[0].port}:{.spec.ports[0].targetPort}")).toBe("80:8080");
    const name = `typed-ns-${process.pid}`;
    expect(ok(await k(["create", "namespace", name])).trim()).toBe(`namespace/${name} created`);
    ok(await k(["delete", "namespace", name, "--wait=false"]));
  });

  test("client-side apply three times: created, unchanged, configured", async () => {
    const ns = await freshNamespace(server, "apply");
    const file = `${work}/apply-${ns}.yaml`;
    writeFileSync(file, deploymentYaml("web", 2));
    const first = await k(["-n", ns, "apply", "-f", file]);
    expect(first.stderr).toBe("");
    expect(ok(first)).toBe("deployment.apps/web created\n");
    expect(ok(await k(["-n", ns, "apply", "-f", file]))).toBe("deployment.apps/web unchanged\n");
    writeFileSync(file, deploymentYaml("web", 3));
    const third = await k(["-n", ns, "apply", "-f", file]);
    expect(third.stderr).toBe("");
    expect(ok(third)).toBe("deployment.apps/web configured\n");
    expect(await jp(ns, "deploy/web", "{.spec.replicas}")).toBe("3");
    const last = JSON.parse(await jp(ns, "deploy/web", "{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}")) as { spec: { replicas: number } };
    expect(last.spec.replicas).toBe(3);
  });

  test("apply --server-side: create, conflict with the client-side applier, --force-conflicts", async () => {
    const ns = await freshNamespace(server, "ssa");
    const ssa = await k(["-n", ns, "apply", "--server-side", "-f", "-"], configMap("ssa", { a: "1" }));
    expect(ssa.stderr).toBe("");
    expect(ok(ssa)).toBe("configmap/ssa serverside-applied\n");
    expect(ok(await k(["-n", ns, "apply", "--server-side", "-f", "-"], configMap("ssa", { a: "2" })))).toBe("configmap/ssa serverside-applied\n");
    expect(await jp(ns, "cm/ssa", "{.data.a}")).toBe("2");

    ok(await k(["-n", ns, "apply", "-f", "-"], deploymentYaml("web", 2)));
    const conflict = await k(["-n", ns, "apply", "--server-side", "-f", "-"], deploymentYaml("web", 5));
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toStartWith('error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas\n');
    expect(await jp(ns, "deploy/web", "{.spec.replicas}")).toBe("2");
    const forced = await k(["-n", ns, "apply", "--server-side", "--force-conflicts", "-f", "-"], deploymentYaml("web", 5));
    expect(ok(forced)).toBe("deployment.apps/web serverside-applied\n");
    expect(await jp(ns, "deploy/web", "{.spec.replicas}")).toBe("5");
    const managers = await jp(ns, "deploy/web", "{.metadata.managedFields[*].manager}");
    expect(managers.split(" ")).toContain("kubectl");
  });

  test("Kubectl, diff Deployment: exit 0 when equal, 1 with the difference", async () => {
    const ns = await freshNamespace(server, "diff");
    const file = `${work}/diff-${ns}.yaml`;
    writeFileSync(file, deploymentYaml("web", 2, "httpd:2.4"));
    ok(await k(["-n", ns, "apply", "-f", file]));
    const same = await k(["-n", ns, "diff", "-f", file]);
    expect(same.stderr).toBe("");
    expect(same.code).toBe(0);
    expect(same.stdout).toBe("");
    writeFileSync(file, deploymentYaml("web", 2, "httpd:2.5"));
    const changed = await k(["-n", ns, "diff", "-f", file]);
    expect(changed.stderr).toBe("");
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^-\s+- image: httpd:2\.4$/m);
    expect(changed.stdout).toMatch(/^\+\s+- image: httpd:2\.5$/m);
    expect(changed.stdout).toMatch(/^-\s+generation: 1$/m);
    expect(await jp(ns, "deploy/web", "{.spec.template.spec.containers[0].image}")).toBe("httpd:2.4");
  });

  test("Kubectl, server-side dry-run Pod: run and apply with --dry-run=server persist nothing", async () => {
    const ns = await freshNamespace(server, "dry");
    const run = await k(["-n", ns, "run", "p", "--image=httpd:2.4", "--dry-run=server"]);
    expect(run.stderr).toBe("");
    expect(ok(run)).toBe("pod/p created (server dry run)\n");
    expect((await k(["-n", ns, "get", "pod", "p"])).code).toBe(1);
    ok(await k(["-n", ns, "run", "p", "--image=httpd:2.4"]));
    const dry = await k(["-n", ns, "patch", "pod", "p", "-p", '{"spec":{"containers":[{"name":"p","image":"busybox:1.36"}]}}', "--dry-run=server", "-o", "jsonpath={.spec.containers[0].image}"]);
    expect(ok(dry)).toBe("busybox:1.36");
    expect(await jp(ns, "pod/p", "{.spec.containers[0].image}")).toBe("httpd:2.4");
    expect(ok(await k(["-n", ns, "apply", "--dry-run=server", "-f", "-"], configMap("c")))).toBe("configmap/c created (server dry run)\n");
    expect((await k(["-n", ns, "get", "cm", "c"])).code).toBe(1);
    expect(ok(await k(["-n", ns, "delete", "pod", "p", "--dry-run=server"]))).toBe('pod "p" deleted (server dry run)\n');
    expect(await jp(ns, "pod/p", "{.metadata.name}")).toBe("p");
  });
});

describe("updates", () => {
  test("edit through KUBE_EDITOR rewriting the file", async () => {
    const ns = await freshNamespace(server, "edit");
    ok(await k(["-n", ns, "create", "-f", "-"], deploymentYaml("web", 2)));
    const editor = `${work}/editor-${ns}.sh`;
    writeFileSync(editor, '#!/bin/sh\nsed -i -e "s/replicas: 2/replicas: 4/" -e "s/image: nginx:1.25/image: nginx:1.27/" "$1"\n');
    chmodSync(editor, 0o755);
    const r = await k(["-n", ns, "edit", "deploy", "web"], undefined, { KUBE_EDITOR: editor });
    expect(r.stderr).toBe("");
    expect(ok(r)).toBe("deployment.apps/web edited\n");
    expect(await jp(ns, "deploy/web", "{.spec.replicas} {.spec.template.spec.containers[0].image}")).toBe("4 nginx:1.27");
    const noop = `${work}/noop-${ns}.sh`;
    writeFileSync(noop, "#!/bin/sh\ntrue\n");
    chmodSync(noop, 0o755);
    const cancelled = await k(["-n", ns, "edit", "deploy", "web"], undefined, { KUBE_EDITOR: noop });
    expect(cancelled.code).toBe(0);
    expect(cancelled.stderr).toBe("Edit cancelled, no changes made.\n");
  });

  test("Kubectl, patch to annotate: strategic, merge and JSON patches", async () => {
    const ns = await freshNamespace(server, "patch");
    ok(await k(["-n", ns, "create", "-f", "-"], deploymentYaml("web", 2)));
    // Strategic: containers merge by name (patch items first, as upstream orders them), the untouched fields stay.
    expect(ok(await k(["-n", ns, "patch", "deploy", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox:1.36"}]}}}}']))).toBe("deployment.apps/web patched\n");
    expect(await jp(ns, "deploy/web", '{.spec.template.spec.containers[*].name} {.spec.template.spec.containers[?(@.name=="c")].ports[0].containerPort}')).toBe("side c 80");
    ok(await k(["-n", ns, "patch", "deploy", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}']));
    expect(await jp(ns, "deploy/web", "{.spec.template.spec.containers[*].name}")).toBe("c");
    // Merge: the list is replaced whole.
    ok(await k(["-n", ns, "patch", "deploy", "web", "--type=merge", "-p", '{"metadata":{"annotations":{"x":"y"}},"spec":{"template":{"spec":{"containers":[{"name":"only","image":"nginx:1.25"}]}}}}']));
    expect(await jp(ns, "deploy/web", "{.metadata.annotations.x} {.spec.template.spec.containers[*].name}")).toBe("y only");
    // JSON patch, including a failing test op.
    ok(await k(["-n", ns, "patch", "deploy", "web", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":6},{"op":"add","path":"/metadata/labels/j","value":"1"}]']));
    expect(await jp(ns, "deploy/web", "{.spec.replicas} {.metadata.labels.j}")).toBe("6 1");
    const failed = await k(["-n", ns, "patch", "deploy", "web", "--type=json", "-p", '[{"op":"test","path":"/spec/replicas","value":1}]']);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toBe("The request is invalid: testing value /spec/replicas failed: test failed");
    const noop = await k(["-n", ns, "patch", "deploy", "web", "--type=merge", "-p", '{"spec":{"replicas":6}}']);
    expect(ok(noop)).toBe("deployment.apps/web patched (no change)\n");
  });

  test("Kubectl, label update: label and annotate with --overwrite errors and removal", async () => {
    const ns = await freshNamespace(server, "label");
    ok(await k(["-n", ns, "create", "-f", "-"], podYaml("p")));
    expect(ok(await k(["-n", ns, "label", "pod", "p", "a=1"]))).toBe("pod/p labeled\n");
    const clash = await k(["-n", ns, "label", "pod", "p", "a=2"]);
    expect(clash.code).toBe(1);
    expect(clash.stderr.trim()).toBe("error: 'a' already has a value (1), and --overwrite is false");
    ok(await k(["-n", ns, "label", "pod", "p", "a=2", "--overwrite"]));
    expect(await jp(ns, "pod/p", "{.metadata.labels.a}")).toBe("2");
    expect(ok(await k(["-n", ns, "label", "pod", "p", "a-"]))).toBe("pod/p unlabeled\n");
    expect(await jp(ns, "pod/p", "{.metadata.labels}")).toBe("");
    const stale = await k(["-n", ns, "label", "pod", "p", "b=1", "--resource-version=1"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr.trim()).toBe('Error from server (Conflict): Operation cannot be fulfilled on pods "p": the object has been modified; please apply your changes to the latest version and try again');

    expect(ok(await k(["-n", ns, "annotate", "pod", "p", "note=hello"]))).toBe("pod/p annotated\n");
    const again = await k(["-n", ns, "annotate", "pod", "p", "note=bye"]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe("error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hello)");
    ok(await k(["-n", ns, "annotate", "pod", "p", "note=bye", "--overwrite"]));
    expect(await jp(ns, "pod/p", "{.metadata.annotations.note}")).toBe("bye");
    ok(await k(["-n", ns, "annotate", "pod", "p", "note-"]));
    expect(await jp(ns, "pod/p", "{.metadata.annotations}")).toBe("");
    const invalid = await k(["-n", ns, "label", "pod", "p", "bad=-x-"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("invalid label value");
  });

  test("scale, set image and rollout pause/resume/restart change the deployment", async () => {
    const ns = await freshNamespace(server, "rollout");
    ok(await k(["-n", ns, "create", "-f", "-"], deploymentYaml("web", 2)));
    expect(ok(await k(["-n", ns, "scale", "deploy/web", "--replicas=5"]))).toBe("deployment.apps/web scaled\n");
    expect(await jp(ns, "deploy/web", "{.spec.replicas}")).toBe("5");
    const stale = await k(["-n", ns, "scale", "deploy/web", "--replicas=1", "--current-replicas=3"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("Expected replicas to be 3, was 5");
    expect(ok(await k(["-n", ns, "set", "image", "deploy/web", "c=nginx:1.26"]))).toBe("deployment.apps/web image updated\n");
    expect(await jp(ns, "deploy/web", "{.spec.template.spec.containers[0].image}")).toBe("nginx:1.26");
    expect(ok(await k(["-n", ns, "rollout", "pause", "deploy/web"]))).toBe("deployment.apps/web paused\n");
    expect(await jp(ns, "deploy/web", "{.spec.paused}")).toBe("true");
    expect(ok(await k(["-n", ns, "rollout", "resume", "deploy/web"]))).toBe("deployment.apps/web resumed\n");
    expect(await jp(ns, "deploy/web", "{.spec.paused}")).toBe("");
    const gen = Number(await jp(ns, "deploy/web", "{.metadata.generation}"));
    expect(ok(await k(["-n", ns, "rollout", "restart", "deploy/web"]))).toBe("deployment.apps/web restarted\n");
    expect(await jp(ns, "deploy/web", "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(await jp(ns, "deploy/web", "{.metadata.generation}"))).toBe(gen + 1);
  });

  test("Kubectl, replace: replace -f, then Conflict on a stale resourceVersion", async () => {
    const ns = await freshNamespace(server, "replace");
    ok(await k(["-n", ns, "create", "-f", "-"], podYaml("p")));
    const live = ok(await k(["-n", ns, "get", "pod", "p", "-o", "yaml"]));
    const replaced = await k(["-n", ns, "replace", "-f", "-"], live.replace("image: busybox:1.36", "image: busybox:1.37"));
    expect(replaced.stderr).toBe("");
    expect(ok(replaced)).toBe("pod/p replaced\n");
    expect(await jp(ns, "pod/p", "{.spec.containers[0].image}")).toBe("busybox:1.37");
    // `live` still carries the old resourceVersion.
    const stale = await k(["-n", ns, "replace", "-f", "-"], live);
    expect(stale.code).toBe(1);
    expect(stale.stderr.trim()).toBe('Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on pods "p": the object has been modified; please apply your changes to the latest version and try again');
    const missing = await k(["-n", ns, "replace", "-f", "-"], configMap("nope"));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): error when replacing "STDIN": configmaps "nope" not found');
  });

  test("Invalid as kubectl prints it (no 'Error from server')", async () => {
    const ns = await freshNamespace(server, "invalid");
    const noImage = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-9" }, spec: { containers: [{ name: "c" }] } });
    const r = await k(["-n", ns, "create", "-f", "-"], noImage);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('The Pod "web-9" is invalid: spec.containers[0].image: Required value');
    const badName = await k(["-n", ns, "create", "-f", "-"], configMap("Bad_Name"));
    expect(badName.code).toBe(1);
    expect(badName.stderr).toStartWith('The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain');
    const unknown = await k(["-n", ns, "create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "u" }, bogus: 1 }));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('Error from server (BadRequest): error when creating "STDIN": strict decoding error: unknown field "bogus"');
  });
});

describe("delete and wait", () => {
  test("wait --for=condition on a status set through the status subresource", async () => {
    const ns = await freshNamespace(server, "wait");
    ok(await k(["-n", ns, "create", "-f", "-"], podYaml("p")));
    const waiting = k(["-n", ns, "wait", "--for=condition=Ready", "pod/p", "--timeout=20s"]);
    await Bun.sleep(300);
    const patched = await k(["-n", ns, "patch", "pod", "p", "--subresource=status", "--type=merge", "-p", '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}']);
    expect(ok(patched)).toBe("pod/p patched\n");
    const w = await waiting;
    expect(w.stderr).toBe("");
    expect(ok(w)).toBe("pod/p condition met\n");
    // The status subresource ignores spec changes; the main resource ignores status changes.
    ok(await k(["-n", ns, "patch", "pod", "p", "--type=merge", "-p", '{"status":{"phase":"Running"}}']));
    expect(await jp(ns, "pod/p", "{.status.phase}")).toBe("Pending");
    const timeout = await k(["-n", ns, "wait", "--for=condition=Initialized", "pod/p", "--timeout=1s"]);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr.trim()).toBe("error: timed out waiting for the condition on pods/p");
  });

  test("[sig-node] Pods should patch a pod status [Conformance] (the patch semantics, on a pod no kubelet runs): the annotation sent with the status is kept, the spec is not", async () => {
    const ns = await freshNamespace(server, "podstatus");
    ok(await k(["-n", ns, "create", "-f", "-"], podYaml("p")));
    const patch = JSON.stringify({ metadata: { annotations: { patchedstatus: "true" } }, spec: { activeDeadlineSeconds: 5 }, status: { message: "Patched by e2e test", reason: "E2E" } });
    const out = JSON.parse(ok(await k(["-n", ns, "patch", "pod", "p", "--subresource=status", "--type=merge", "-p", patch, "-o", "json"])));
    expect(out.metadata.annotations).toEqual({ patchedstatus: "true" });
    expect(out.status).toMatchObject({ message: "Patched by e2e test", reason: "E2E" });
    expect(out.spec.activeDeadlineSeconds).toBeUndefined();
  });

  test("[sig-api-machinery] Namespaces [Serial] should apply changes to a namespace status [Conformance]: patch and replace through /status keep the annotations and conditions sent", async () => {
    const ns = await freshNamespace(server, "nsstatus");
    expect(await jp("default", `namespace/${ns}`, "{.status.phase}")).toBe("Active");
    const condition = { type: "StatusPatch", status: "True", reason: "E2E", message: "Patched by an e2e test" };
    const patched = JSON.parse(ok(await k(["patch", "namespace", ns, "--subresource=status", "--type=merge", "-o", "json", "-p",
      JSON.stringify({ metadata: { annotations: { "e2e-patched-ns-status": ns } }, status: { conditions: [condition] } })])));
    expect(patched.metadata.annotations).toEqual({ "e2e-patched-ns-status": ns });
    expect(patched.status.conditions).toEqual([condition]);
    const updated = { ...patched, status: { ...patched.status, conditions: [...patched.status.conditions, { type: "StatusUpdate", status: "True", reason: "E2E", message: "Updated by an e2e test" }] } };
    updated.metadata.annotations["e2e-updated-ns-status"] = ns;
    const replaced = JSON.parse(ok(await k(["replace", "--subresource=status", "-o", "json", "-f", "-"], JSON.stringify(updated))));
    expect(replaced.metadata.annotations).toEqual({ "e2e-patched-ns-status": ns, "e2e-updated-ns-status": ns });
    expect(replaced.status.conditions.map((c: { type: string }) => c.type)).toEqual(["StatusPatch", "StatusUpdate"]);
  });

  test("wait --for=delete and delete --wait", async () => {
    const ns = await freshNamespace(server, "del");
    ok(await k(["-n", ns, "create", "-f", "-"], [yaml(configMap("a")), yaml(configMap("b")), deploymentYaml("web")].join("\n---\n")));
    const waiting = k(["-n", ns, "wait", "--for=delete", "cm/a", "--timeout=20s"]);
    await Bun.sleep(300);
    expect(ok(await k(["-n", ns, "delete", "cm", "a", "--wait=false"]))).toBe('configmap "a" deleted\n');
    expect(ok(await waiting)).toBe("configmap/a condition met\n");
    const del = await k(["-n", ns, "delete", "cm", "b", "--wait=true"]);
    expect(del.stderr).toBe("");
    expect(ok(del)).toBe('configmap "b" deleted\n');
    expect(ok(await k(["-n", ns, "delete", "deploy", "web", "--cascade=background"]))).toBe('deployment.apps "web" deleted\n');
    const gone = await k(["-n", ns, "get", "deploy", "web"]);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): deployments.apps "web" not found');
    const missing = await k(["-n", ns, "delete", "cm", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): configmaps "nope" not found');
    expect(ok(await k(["-n", ns, "delete", "cm", "nope", "--ignore-not-found"]))).toBe("");
  });

  test("delete --cascade=orphan|foreground: the garbage collector's finalizer goes, other finalizers stay", async () => {
    const ns = await freshNamespace(server, "cascade");
    ok(await k(["-n", ns, "create", "-f", "-"], [deploymentYaml("fg"), deploymentYaml("or")].join("\n---\n")));
    for (const name of ["fg", "or"]) ok(await k(["-n", ns, "patch", "deploy", name, "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}']));
    ok(await k(["-n", ns, "delete", "deploy", "fg", "--cascade=foreground", "--wait=false"]));
    ok(await k(["-n", ns, "delete", "deploy", "or", "--cascade=orphan", "--wait=false"]));
    for (const name of ["fg", "or"]) {
      const deadline = Date.now() + 5000;
      let seen = "";
      while (Date.now() < deadline && !/^\["example.com\/hold"\] \d{4}-/.test(seen)) {
        seen = await jp(ns, `deploy/${name}`, "{.metadata.finalizers} {.metadata.deletionTimestamp}");
        await Bun.sleep(50);
      }
      expect(seen).toMatch(/^\["example.com\/hold"\] \d{4}-/);
    }
    // Removing the last finalizer completes the deletion.
    ok(await k(["-n", ns, "patch", "deploy", "or", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']));
    expect((await k(["-n", ns, "get", "deploy", "or"])).code).toBe(1);
  });

  test("delete --cascade=foreground|orphan --wait returns once the garbage collector removes its finalizer", async () => {
    const ns = await freshNamespace(server, "cascade-wait");
    ok(await k(["-n", ns, "create", "-f", "-"], [deploymentYaml("fg"), deploymentYaml("or")].join("\n---\n")));
    for (const [name, cascade] of [["fg", "foreground"], ["or", "orphan"]] as const) {
      const t0 = Date.now();
      const del = await k(["-n", ns, "delete", "deploy", name, `--cascade=${cascade}`, "--wait=true", "--timeout=20s"]);
      expect(del.stderr).toBe("");
      expect(ok(del)).toBe(`deployment.apps "${name}" deleted\n`);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect((await k(["-n", ns, "get", "deploy", name])).code).toBe(1);
    }
  });
});
