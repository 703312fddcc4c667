/**
 * The upstream kubectl conformance tests (kubernetes test/e2e/kubectl/kubectl.go, "[sig-cli]
 * Kubectl client ... [Conformance]") against the compiled binary with real kubectl: the same
 * kubectl commands, manifests and assertions, on one lite server whose embedded agent runs the
 * pods, in a network namespace of its own (tests/harness/netns.ts: its own pod network, service
 * proxy and cluster DNS on the usual ports; the tests reach it only through the API server on the
 * node IP). Every case has its own namespace and the cases run concurrently.
 *
 * No registry is reachable, so the e2e images are replaced by the two built-in ones, keeping what
 * each test relies on:
 * - agnhost's default `pause` (the describe/expose/patch RC): busybox printing "Paused" and sleeping;
 * - httpd (kubectl run/replace/dry-run/diff) and the pause pod: lite's pause image
 *   (lite.local/pause:3.10), a second image that really runs, so "busybox" is a different image;
 * - nautilus (Update Demo): busybox httpd serving /data.json = {"image": "nautilus.jpg"} on :80;
 * - agnhost guestbook (frontend, primary, replicas): the same HTTP protocol (/guestbook, /get,
 *   /set, /register: replicas register with the primary, which pushes every set to them) in a
 *   busybox shell script run per connection by `nc -ll -e`, from a ConfigMap.
 * Containers trap SIGTERM (PID 1 ignores it otherwise), so deletes end at once, as agnhost's do.
 * Cluster DNS has no upstream resolvers: only cluster names are looked up, nothing leaves the node.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, type ApiClient } from "@lite/sdk";
import { kubectl, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, kubectlStream, ok, within } from "./harness/kube.ts";
import type { TestNetns } from "./harness/netns.ts";
import { startNetnsServer, type NetnsServer } from "./harness/netns-server.ts";
import { isRunningReady, waitForPod, type Pod } from "./harness/pods.ts";

setDefaultTimeout(180_000);

/** Stand-ins for the e2e images (see the header). */
const BUSYBOX = "busybox";
const HTTPD = "lite.local/pause:3.10";
/** agnhost's default command `pause`: logs "Paused" and sleeps until stopped. */
const AGNHOST_PAUSE = ["sh", "-c", `echo Paused; trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done`];

let net: TestNetns;
let server: LiteServer;
let client: ApiClient;

const k = (ns: string, args: string[], stdin?: string) => kubectl(server, ["-n", ns, ...args], { stdin, timeoutMs: 60_000 });
const run = async (ns: string, args: string[], stdin?: string) => ok(await k(ns, args, stdin));
const listPods = async (ns: string, labelSelector: string) => (await client.list<Pod>({ ...builtinResources.pods, namespace: ns }, { labelSelector })).items;

let cluster: NetnsServer;
beforeAll(async () => {
  cluster = await startNetnsServer("lite-kubectl-conformance");
  ({ server, client, net } = cluster);
});

afterAll(async () => {
  await cluster?.stop();
});

// ---- upstream helpers, ported -------------------------------------------------------------------

/**
 * checkOutput: each requirement's first string is searched from the current line onwards, and the
 * others must be on that same line (upstream checkOutputReturnError). Returns the first miss.
 */
function outputMiss(output: string, required: string[][]): string | undefined {
  const lines = output.split("\n");
  let current = 0;
  for (const [first, ...rest] of required) {
    while (current < lines.length && !lines[current]!.includes(first!)) current++;
    if (current === lines.length) return `failed to find ${first} in:\n${output}`;
    for (const item of rest) if (!lines[current]!.includes(item)) return `failed to find ${item} in ${lines[current]}`;
  }
  return undefined;
}

function checkOutput(output: string, required: string[][]): void {
  const miss = outputMiss(output, required);
  if (miss) throw new Error(miss);
}

/** checkKubectlOutputWithRetry: the kubectl output must meet `required` within a minute. */
async function checkKubectlOutputWithRetry(ns: string, required: string[][], args: string[]): Promise<void> {
  let miss: string | undefined;
  await within(60_000, async () => {
    miss = outputMiss(await run(ns, args), required);
    return miss ? undefined : true;
  }, 500).catch(() => { throw new Error(miss); });
}

/** Pods matching the selector in phase Running, once there are at least `atLeast` (upstream waitForOrFailWithDebug). */
async function waitForRunningPods(ns: string, selector: string, atLeast: number): Promise<Pod[]> {
  return within(90_000, async () => {
    const pods = (await listPods(ns, selector)).filter((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp);
    return pods.length >= atLeast ? pods : undefined;
  }, 250);
}

/** cleanupKubectlInputs: force-delete what the manifest created, then assertCleanup on the selectors. */
async function cleanupKubectlInputs(ns: string, manifest: string, ...selectors: string[]): Promise<void> {
  await run(ns, ["delete", "--grace-period=0", "--force", "-f", "-"], manifest);
  await assertCleanup(ns, ...selectors);
}

/** assertCleanup: no rc or svc with the selector, and no pod with it that is not being deleted, within a minute. */
async function assertCleanup(ns: string, ...selectors: string[]): Promise<void> {
  let left = "";
  await within(60_000, async () => {
    for (const selector of selectors) {
      const resources = await run(ns, ["get", "rc,svc", "-l", selector, "--no-headers"]);
      if (resources !== "") { left = `Resources left running after stop:\n${resources}`; return undefined; }
      const pods = await run(ns, ["get", "pods", "-l", selector, "-o", `go-template={{ range .items }}{{ if not .metadata.deletionTimestamp }}{{ .metadata.name }}{{ "\\n" }}{{ end }}{{ end }}`]);
      if (pods !== "") { left = `Pods left unterminated after stop:\n${pods}`; return undefined; }
    }
    return true;
  }, 500).catch(() => { throw new Error(left); });
}

/**
 * validateController: within the pod start timeout, exactly `replicas` pods match the selector,
 * each with the named container running the expected image, and `validator` accepts each pod.
 */
async function validateController(ns: string, image: string, replicas: number, containerName: string, selector: string, validator: (pod: string) => Promise<string | undefined>): Promise<void> {
  const trimDockerRegistry = (name: string) => name.replace("docker.io/", "").replace("library/", "");
  const expectedImage = trimDockerRegistry(image);
  const podsTemplate = "--template={{range.items}}{{.metadata.name}} {{end}}";
  const stateTemplate = `--template={{if (exists . "status" "containerStatuses")}}{{range .status.containerStatuses}}{{if (and (eq .name "${containerName}") (exists . "state" "running"))}}true{{end}}{{end}}{{end}}`;
  const imageTemplate = `--template={{if (exists . "spec" "containers")}}{{range .spec.containers}}{{if eq .name "${containerName}"}}{{.image}}{{end}}{{end}}{{end}}`;
  let last = "";
  const verified = async (): Promise<true | undefined> => {
    const pods = (await run(ns, ["get", "pods", "-o", "template", podsTemplate, "-l", selector])).split(/\s+/).filter(Boolean);
    if (pods.length !== replicas) { last = `Replicas for ${selector}: expected=${replicas} actual=${pods.length}`; return undefined; }
    for (const pod of pods) {
      if ((await run(ns, ["get", "pods", pod, "-o", "template", stateTemplate])) !== "true") { last = `${pod} is created but not running`; return undefined; }
      const current = trimDockerRegistry(await run(ns, ["get", "pods", pod, "-o", "template", imageTemplate]));
      if (current !== expectedImage) { last = `${pod} is created but running wrong image; expected: ${expectedImage}, actual: ${current}`; return undefined; }
      const invalid = await validator(pod);
      if (invalid) { last = `${pod} is running right image but validator function failed: ${invalid}`; return undefined; }
    }
    return true;
  };
  await within(90_000, verified, 500).catch(() => { throw new Error(`timed out waiting for ${selector} pods to reach valid state: ${last}`); });
}

/**
 * Waits until the pod runs before the test deletes it (as upstream's AfterEach does, waiting for the
 * pod to go): the stand-in image's shell ignores SIGTERM as PID 1 until it has run its `trap`, so a
 * delete that lands while the container starts waits out the 30 s grace period.
 */
async function runningBeforeDelete(ns: string, name: string): Promise<void> {
  await waitForPod(client, ns, name, "Running", (p) => p.status?.phase === "Running", 90_000);
}

/** GET through the API server (as client-go's REST client does in the e2e helpers); the body, or an error text. */
async function rawGet(path: string): Promise<{ ok: boolean; body: string }> {
  const r = await kubectl(server, ["get", "--raw", path]);
  return { ok: r.code === 0, body: r.code === 0 ? r.stdout : r.stderr };
}

// ---- the apps ---------------------------------------------------------------------------------

/** agnhost-primary-controller.json with agnhost's pause; agnhost-primary-service.json. */
const agnhostPrimaryController = JSON.stringify({
  kind: "ReplicationController", apiVersion: "v1",
  metadata: { name: "agnhost-primary", labels: { app: "agnhost", role: "primary" } },
  spec: {
    replicas: 1, selector: { app: "agnhost", role: "primary" },
    template: {
      metadata: { labels: { app: "agnhost", role: "primary" } },
      spec: { containers: [{ name: "agnhost-primary", image: BUSYBOX, imagePullPolicy: "IfNotPresent", command: AGNHOST_PAUSE, ports: [{ name: "agnhost-server", containerPort: 6379 }] }] },
    },
  },
});
const agnhostPrimaryService = JSON.stringify({
  kind: "Service", apiVersion: "v1",
  metadata: { name: "agnhost-primary", labels: { app: "agnhost", role: "primary" } },
  spec: { ports: [{ port: 6379, targetPort: "agnhost-server" }], selector: { app: "agnhost", role: "primary" } },
});

/** nautilus-rc.yaml with busybox httpd serving the nautilus data.json. */
const nautilusRC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: update-demo-nautilus
spec:
  replicas: 2
  selector:
    name: update-demo
    version: nautilus
  template:
    metadata:
      labels:
        name: update-demo
        version: nautilus
    spec:
      containers:
      - image: ${BUSYBOX}
        imagePullPolicy: IfNotPresent
        name: update-demo
        command: [sh, -c, 'mkdir -p /www && echo ''{"image": "nautilus.jpg"}'' > /www/data.json; trap "exit 0" TERM; httpd -f -p 80 -h /www & wait']
        ports:
        - containerPort: 80
          protocol: TCP
`;

/** getUDData("nautilus.jpg"): the pod's data.json, read through pods/proxy, names that image. */
const nautilusData = (ns: string) => async (pod: string): Promise<string | undefined> => {
  const r = await rawGet(`/api/v1/namespaces/${ns}/pods/${pod}/proxy/data.json`);
  if (!r.ok) return r.body;
  try {
    const image = (JSON.parse(r.body) as { image?: string }).image ?? "";
    return image.includes("nautilus.jpg") ? undefined : `data served up in container is inaccurate, ${r.body} didn't contain nautilus.jpg`;
  } catch (err) {
    return String(err);
  }
};

/**
 * agnhost guestbook's HTTP server as a busybox script, one request per connection on stdin/stdout
 * (ROLE frontend, primary or replica). Values are stored as sent (URL-encoded).
 */
const GUESTBOOK_SH = `#!/bin/sh
CR=$(printf '\\r')
read -r method target proto
while read -r line; do case "$line" in ""|"$CR") break;; esac; done
path=\${target%%\\?*}
query=; case "$target" in *\\?*) query=\${target#*\\?};; esac
param() { printf '&%s' "$query" | sed -n "s/.*&$1=\\([^&]*\\).*/\\1/p"; }
reply() { printf 'HTTP/1.0 %s\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\n\\r\\n%s' "$1" "\${#2}" "$2"; }
call() { printf 'GET /%s HTTP/1.0\\r\\n\\r\\n' "$2" | nc -w 5 "$1" 6379 | sed "1,/^$CR\\$/d"; }
mkdir -p /tmp/store
case "$ROLE:$path" in
frontend:/guestbook)
  cmd=$(param cmd); key=$(param key); value=$(param value)
  case "$cmd" in set) host=agnhost-primary;; get) host=agnhost-replica;; *) reply "400 Bad Request" "unsupported cmd: '$cmd'"; exit;; esac
  body=$(call "$host" "$cmd?key=$key&value=$value")
  if [ -n "$body" ]; then reply "200 OK" "$body"; else reply "417 Expectation Failed" "encountered error: no answer from $host"; fi;;
*:/get)
  reply "200 OK" "{\\"data\\":\\"$(cat "/tmp/store/$(param key)" 2>/dev/null)\\"}";;
*:/set)
  key=$(param key); value=$(param value)
  [ -n "$key" ] || { reply "400 Bad Request" "cannot set with empty key."; exit; }
  printf '%s' "$value" > "/tmp/store/$key"
  for replica in $(cat /tmp/replicas 2>/dev/null); do
    [ -n "$(call "$replica" "set?key=$key&value=$value")" ] || { reply "417 Expectation Failed" "encountered error while propagating to replica '$replica'"; exit; }
  done
  reply "200 OK" '{"message":"Updated"}';;
primary:/register)
  echo "$(param host)" >> /tmp/replicas
  reply "200 OK" "$(echo registered; cd /tmp/store && for key in *; do [ -f "$key" ] && echo "$key $(cat "$key")"; done)";;
*)
  reply "404 Not Found" "404 page not found";;
esac
`;

/** A replica registers with the primary (taking its store) before serving, as agnhost's registerNode. */
const REPLICA_REGISTER = `CR=$(printf '\\r'); mkdir -p /tmp/store
until out=$(printf 'GET /register?host=%s HTTP/1.0\\r\\n\\r\\n' "$POD_IP" | nc -w 5 agnhost-primary 6379 | sed "1,/^$CR\\$/d") && [ "$(echo "$out" | head -n 1)" = registered ]; do sleep 1; done
echo "$out" | sed 1d | while read -r key value; do printf '%s' "$value" > "/tmp/store/$key"; done
echo "Registered to node: agnhost-primary"`;

function guestbookDeployment(name: string, replicas: number, labels: Record<string, string>, container: string, role: string, port: number): string {
  const serve = `trap "exit 0" TERM; nc -ll -p ${port} -e /guestbook/guestbook.sh & wait`;
  return JSON.stringify({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
    spec: {
      replicas, selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name: container, image: BUSYBOX, imagePullPolicy: "IfNotPresent",
            command: ["sh", "-c", role === "replica" ? `${REPLICA_REGISTER}\n${serve}` : serve],
            env: [{ name: "ROLE", value: role }, { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
            resources: { requests: { cpu: "100m", memory: "100Mi" } },
            ports: [{ containerPort: port }],
            volumeMounts: [{ name: "app", mountPath: "/guestbook" }],
          }],
          volumes: [{ name: "app", configMap: { name: "guestbook", defaultMode: 0o755 } }],
        },
      },
    },
  });
}

const guestbookService = (name: string, labels: Record<string, string>, port: number, targetPort?: number) =>
  JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name, labels }, spec: { ports: [{ port, ...(targetPort ? { targetPort } : {}) }], selector: labels } });

/** The guestbook files in upstream's order; the ConfigMap with the script (an addition of this adaptation) first. */
const guestbookFiles = (): string[] => {
  const primary = { app: "agnhost", role: "primary", tier: "backend" };
  const replica = { app: "agnhost", role: "replica", tier: "backend" };
  const frontend = { app: "guestbook", tier: "frontend" };
  return [
    JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "guestbook" }, data: { "guestbook.sh": GUESTBOOK_SH } }),
    guestbookService("agnhost-replica", replica, 6379),
    guestbookService("agnhost-primary", primary, 6379, 6379),
    guestbookService("frontend", frontend, 80),
    guestbookDeployment("frontend", 3, frontend, "guestbook-frontend", "frontend", 80),
    guestbookDeployment("agnhost-primary", 1, primary, "primary", "primary", 6379),
    guestbookDeployment("agnhost-replica", 2, replica, "replica", "replica", 6379),
  ];
};

/** waitForGuestbookResponse: the frontend Service, through the API server's services proxy, answers `expected`. */
async function waitForGuestbookResponse(ns: string, cmd: string, value: string, expected: string, timeoutMs: number): Promise<void> {
  let last = "";
  const query = new URLSearchParams({ cmd, key: "messages", value });
  await within(timeoutMs, async () => {
    const r = await rawGet(`/api/v1/namespaces/${ns}/services/frontend/proxy/guestbook?${query}`);
    last = r.body;
    return r.ok && r.body === expected ? true : undefined;
  }, 500).catch(() => { throw new Error(`guestbook ${cmd}: wanted ${expected}, last response: ${last}`); });
}

// ---- the tests --------------------------------------------------------------------------------

describe.concurrent("kubectl conformance (dist/lite + kubectl, pods on the embedded agent)", () => {
  test("[sig-cli] Kubectl client Update Demo should create and stop a replication controller [Conformance]: 2 replicas running the image, each serving its data.json through pods/proxy; delete --force leaves no rc, svc or live pod", async () => {
    const ns = await freshNamespace(server, "ud-create");
    await run(ns, ["create", "-f", "-"], nautilusRC);
    await validateController(ns, BUSYBOX, 2, "update-demo", "name=update-demo", nautilusData(ns));
    await cleanupKubectlInputs(ns, nautilusRC, "name=update-demo");
  });

  test("[sig-cli] Kubectl client Update Demo should scale a replication controller [Conformance]: 2 replicas, kubectl scale rc to 1 then back to 2, each state validated (pods/proxy data.json)", async () => {
    const ns = await freshNamespace(server, "ud-scale");
    await run(ns, ["create", "-f", "-"], nautilusRC);
    await validateController(ns, BUSYBOX, 2, "update-demo", "name=update-demo", nautilusData(ns));
    await run(ns, ["scale", "rc", "update-demo-nautilus", "--replicas=1", "--timeout=5m"]);
    await validateController(ns, BUSYBOX, 1, "update-demo", "name=update-demo", nautilusData(ns));
    await run(ns, ["scale", "rc", "update-demo-nautilus", "--replicas=2", "--timeout=5m"]);
    await validateController(ns, BUSYBOX, 2, "update-demo", "name=update-demo", nautilusData(ns));
    await cleanupKubectlInputs(ns, nautilusRC, "name=update-demo");
  });

  test("[sig-cli] Kubectl client Guestbook application should create and stop a working application [Conformance]: frontend, primary and 2 replicas with their Services; through services/frontend/proxy an entry is written (primary) and read back (replica)", async () => {
    const ns = await freshNamespace(server, "guestbook");
    const files = guestbookFiles();
    for (const file of files) await run(ns, ["create", "-f", "-"], file);
    // validateGuestbookApp
    await within(90_000, async () => {
      const pods = await listPods(ns, "tier=frontend,app=guestbook");
      return pods.length === 3 && pods.every((p) => p.status?.phase === "Running") ? true : undefined;
    }, 250);
    await waitForGuestbookResponse(ns, "get", "", `{"data":""}`, 90_000);
    await waitForGuestbookResponse(ns, "set", "TestEntry", `{"message":"Updated"}`, 30_000);
    await waitForGuestbookResponse(ns, "get", "", `{"data":"TestEntry"}`, 30_000);
    for (const file of files) await cleanupKubectlInputs(ns, file);
  });

  test("[sig-cli] Kubectl client Kubectl api-versions should check if v1 is in available api versions [Conformance]: kubectl api-versions lists v1", async () => {
    const out = ok(await kubectl(server, ["api-versions"]));
    expect(out.split("\n")).toContain("v1");
  });

  test("[sig-cli] Kubectl client Kubectl cluster-info should check if Kubernetes control plane services is included in cluster-info [Conformance]: 'Kubernetes control plane ... is running at' the server's URL", async () => {
    const out = ok(await kubectl(server, ["cluster-info"]));
    expect(out).toContain("Kubernetes control plane");
    expect(out).toContain("is running at");
    expect(out).toMatch(new RegExp(`Kubernetes control plane\\S* is running at \\S*https://${net.nodeIP.replaceAll(".", "\\.")}:\\d+`));
  });

  test("[sig-cli] Kubectl client Kubectl describe should check if kubectl describe prints relevant information for rc and pods [Conformance]: describe pod, rc, service, node and namespace print upstream's fields", async () => {
    const ns = await freshNamespace(server, "describe");
    await run(ns, ["create", "-f", "-"], agnhostPrimaryController);
    await run(ns, ["create", "-f", "-"], agnhostPrimaryService);
    const pods = await waitForRunningPods(ns, "app=agnhost", 1);
    for (const pod of pods) {
      const out = await run(ns, ["describe", "pod", pod.metadata.name!]);
      checkOutput(out, [
        ["Name:", "agnhost-primary-"],
        ["Namespace:", ns],
        ["Node:"],
        ["Labels:", "app=agnhost"],
        ["role=primary"],
        ["Annotations:"],
        ["Status:", "Running"],
        ["IP:"],
        ["Controlled By:", "ReplicationController/agnhost-primary"],
        ["Image:", BUSYBOX],
        ["State:", "Running"],
        ["QoS Class:", "BestEffort"],
      ]);
    }
    await checkKubectlOutputWithRetry(ns, [
      ["Name:", "agnhost-primary"],
      ["Namespace:", ns],
      ["Selector:", "app=agnhost,role=primary"],
      ["Labels:", "app=agnhost"],
      ["role=primary"],
      ["Annotations:"],
      ["Replicas:", "1 current", "1 desired"],
      ["Pods Status:", "1 Running", "0 Waiting", "0 Succeeded", "0 Failed"],
      ["Pod Template:"],
      ["Image:", BUSYBOX],
      ["Events:"],
    ], ["describe", "rc", "agnhost-primary"]);
    // The Endpoints line names the pod once the endpoints controller has caught up.
    const podIP = (await waitForRunningPods(ns, "app=agnhost", 1))[0]!.status!.podIP!;
    await checkKubectlOutputWithRetry(ns, [
      ["Name:", "agnhost-primary"],
      ["Namespace:", ns],
      ["Labels:", "app=agnhost"],
      ["role=primary"],
      ["Annotations:"],
      ["Selector:", "app=agnhost", "role=primary"],
      ["Type:", "ClusterIP"],
      ["IP:"],
      ["Port:", "<unset>", "6379/TCP"],
      ["Endpoints:", `${podIP}:6379`],
      ["Session Affinity:", "None"],
    ], ["describe", "service", "agnhost-primary"]);

    const node = (await client.list<Pod>(builtinResources.nodes)).items[0]!.metadata.name!;
    checkOutput(await run(ns, ["describe", "node", node]), [
      ["Name:", node],
      ["Labels:"],
      ["Annotations:"],
      ["CreationTimestamp:"],
      ["Conditions:"],
      ["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"],
      ["Addresses:"],
      ["Capacity:"],
      ["Version:"],
      ["Kernel Version:"],
      ["OS Image:"],
      ["Container Runtime Version:"],
      ["Kubelet Version:"],
      ["Kube-Proxy Version:"],
      ["Pods:"],
    ]);
    checkOutput(await run(ns, ["describe", "namespace", ns]), [
      ["Name:", ns],
      ["Labels:"],
      ["Annotations:"],
      ["Status:", "Active"],
    ]);
  });

  test("[sig-cli] Kubectl client Kubectl diff should check if kubectl diff finds a difference for Deployments [Conformance]: diff of the live Deployment with one declaring another image shows both images (exit 1)", async () => {
    const ns = await freshNamespace(server, "diff");
    const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpd-deployment
spec:
  selector:
    matchLabels:
      app: httpd
  template:
    metadata:
      labels:
        app: httpd
    spec:
      containers:
      - name: httpd
        image: ${image}
        ports:
        - containerPort: 80
`;
    await run(ns, ["create", "-f", "-"], deployment(HTTPD));
    const r = await k(ns, ["diff", "-f", "-"], deployment(BUSYBOX));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1); // kubectl diff: 1 means "differences found"
    expect(r.stdout).toContain(HTTPD);
    expect(r.stdout).toContain(BUSYBOX);
    expect(r.stdout).toMatch(new RegExp(`^-\\s+- image: ${HTTPD.replace(/\./g, "\\.")}$`, "m"));
    expect(r.stdout).toMatch(new RegExp(`^\\+\\s+- image: ${BUSYBOX}$`, "m"));
    await run(ns, ["delete", "-f", "-"], deployment(BUSYBOX));
  });

  test("[sig-cli] Kubectl client Kubectl expose should create services for rc [Conformance]: expose rc (port 1234) and that service (port 2345), both targeting 6379; Endpoints list the one pod on 6379", async () => {
    const ns = await freshNamespace(server, "expose");
    await run(ns, ["create", "-f", "-"], agnhostPrimaryController);
    const pods = await waitForRunningPods(ns, "app=agnhost", 1);
    for (const pod of pods) await within(60_000, async () => ((await run(ns, ["logs", pod.metadata.name!, "-c", "agnhost-primary"])).includes("Paused") ? true : undefined), 250);

    const validateService = async (name: string, servicePort: number) => {
      // Endpoints: exactly one pod (by targetRef UID), on the agnhost port.
      const byUID = await within(60_000, async () => {
        const r = await k(ns, ["get", "endpoints", name, "-o", "json"]);
        if (r.code !== 0) return undefined;
        const ep = JSON.parse(r.stdout) as { subsets?: { addresses?: { targetRef?: { uid?: string } }[]; ports?: { port: number }[] }[] };
        const m = new Map<string, number[]>();
        for (const ss of ep.subsets ?? []) for (const port of ss.ports ?? []) for (const addr of ss.addresses ?? []) {
          if (!addr.targetRef?.uid) throw new Error(`endpoint address without targetRef: ${r.stdout}`);
          m.set(addr.targetRef.uid, [...(m.get(addr.targetRef.uid) ?? []), port.port]);
        }
        return m.size ? m : undefined;
      }, 250);
      expect(byUID.size).toBe(1);
      for (const ports of byUID.values()) expect(ports[0]).toBe(6379);
      expect([...byUID.keys()]).toEqual([pods[0]!.metadata.uid!]);
      const svc = JSON.parse(await run(ns, ["get", "service", name, "-o", "json"]));
      expect(svc.spec.ports).toHaveLength(1);
      expect(svc.spec.ports[0].port).toBe(servicePort);
      expect(svc.spec.ports[0].targetPort).toBe(6379);
    };

    await run(ns, ["expose", "rc", "agnhost-primary", "--name=rm2", "--port=1234", "--target-port=6379"]);
    await validateService("rm2", 1234);
    await run(ns, ["expose", "service", "rm2", "--name=rm3", "--port=2345", "--target-port=6379"]);
    await validateService("rm3", 2345);
  });

  test("[sig-cli] Kubectl client Kubectl label should update the label on a resource [Conformance]: label a running pod, read it back with -L, remove it with label-", async () => {
    const ns = await freshNamespace(server, "label");
    const pausePod = `apiVersion: v1
kind: Pod
metadata:
  name: pause
  labels:
    name: pause
spec:
  containers:
  - name: pause
    image: ${HTTPD}
    ports:
    - containerPort: 80
`;
    await run(ns, ["create", "-f", "-"], pausePod);
    await waitForPod(client, ns, "pause", "Running and Ready", isRunningReady, 90_000);

    await run(ns, ["label", "pods", "pause", "testing-label=testing-label-value"]);
    expect(await run(ns, ["get", "pod", "pause", "-L", "testing-label"])).toContain("testing-label-value");
    await run(ns, ["label", "pods", "pause", "testing-label-"]);
    const after = await run(ns, ["get", "pod", "pause", "-L", "testing-label"]);
    expect(after).not.toContain("testing-label-value");
    expect(after).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+TESTING-LABEL\n/);
    await cleanupKubectlInputs(ns, pausePod, "name=pause");
  });

  test("[sig-cli] Kubectl client Kubectl patch should add annotations for pods in rc [Conformance]: kubectl patch adds annotation x=y to every running pod of the rc", async () => {
    const ns = await freshNamespace(server, "patch");
    await run(ns, ["create", "-f", "-"], agnhostPrimaryController);
    const pods = await waitForRunningPods(ns, "app=agnhost", 1);
    for (const pod of pods) await run(ns, ["patch", "pod", pod.metadata.name!, "-p", `{"metadata":{"annotations":{"x":"y"}}}`]);
    const patched = (await listPods(ns, "app=agnhost")).filter((p) => p.status?.phase === "Running");
    expect(patched.length).toBeGreaterThanOrEqual(1);
    for (const pod of patched) expect(pod.metadata.annotations?.x).toBe("y");
  });

  test("[sig-cli] Kubectl client Kubectl replace should update a single-container pod's image [Conformance]: replace -f of the running pod's JSON with another image updates the spec, and the kubelet runs the new image", async () => {
    const ns = await freshNamespace(server, "replace");
    const podName = "e2e-test-httpd-pod";
    await run(ns, ["run", podName, `--image=${HTTPD}`, `--labels=run=${podName}`]);
    const running = await waitForPod(client, ns, podName, "Running", (p) => p.status?.phase === "Running", 90_000);
    // A status write of the kubelet may land between the get and the replace (409 Conflict, as
    // upstream's would): a client then reads again, as kubectl users do.
    for (let attempt = 1; ; attempt++) {
      const podJSON = await run(ns, ["get", "pod", podName, "-o", "json"]);
      expect(podJSON).toContain(podName);
      const replaced = await k(ns, ["replace", "-f", "-"], podJSON.replace(HTTPD, BUSYBOX));
      if (replaced.code === 0) break;
      if (attempt === 3 || !replaced.stderr.includes("(Conflict)")) ok(replaced);
    }
    const pod = (await client.get<Pod>({ ...builtinResources.pods, namespace: ns, name: podName }));
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0].image).toBe(BUSYBOX);
    // Beyond upstream's spec check: the kubelet restarts the container from the new image (a new
    // container of another image ID; busybox's default `sh` then exits at once, so it is not
    // required to stay running).
    const old = running.status!.containerStatuses![0]!;
    const restarted = await waitForPod(client, ns, podName, "restarted from the new image", (p) => {
      const cs = p.status?.containerStatuses?.[0];
      return !!cs && cs.restartCount >= 1 && cs.containerID !== old.containerID;
    }, 60_000);
    expect(restarted.status!.containerStatuses![0]!.imageID).not.toBe(old.imageID);
    expect(await run(ns, ["get", "events", "--field-selector", `involvedObject.name=${podName},reason=Killing`, "-o", "jsonpath={.items[*].message}"]))
      .toContain(`Container ${podName} definition changed, will be restarted`);
    await run(ns, ["delete", "pods", podName]);
  });

  test("[sig-cli] Kubectl client Kubectl run pod should create a pod from an image when restart is Never [Conformance]: kubectl run --restart=Never makes a pod with one container of that image and restartPolicy Never", async () => {
    const ns = await freshNamespace(server, "run");
    const podName = "e2e-test-httpd-pod";
    await run(ns, ["run", podName, "--restart=Never", `--image=${HTTPD}`]);
    const pod = await client.get<Pod>({ ...builtinResources.pods, namespace: ns, name: podName });
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0].image).toBe(HTTPD);
    expect(pod.spec.restartPolicy).toBe("Never");
    await runningBeforeDelete(ns, podName);
    await run(ns, ["delete", "pods", podName]);
  });

  test("[sig-cli] Kubectl client Kubectl server-side dry-run should check if kubectl can dry-run update Pods [Conformance]: patch (and replace) --dry-run=server answer with the new image but the stored pod keeps the old one", async () => {
    const ns = await freshNamespace(server, "dryrun");
    const podName = "e2e-test-httpd-pod";
    await run(ns, ["run", podName, `--image=${HTTPD}`, "--pod-running-timeout=2m0s", `--labels=run=${podName}`]);
    const specImage = JSON.stringify({ spec: { containers: [{ name: podName, image: BUSYBOX }] } });
    expect(await run(ns, ["patch", "pod", podName, "-p", specImage, "--dry-run=server", "-o", "jsonpath={.spec.containers[0].image}"])).toBe(BUSYBOX);
    // The v1.19 form of the test: replace --dry-run=server with the pod's JSON (read again when the
    // kubelet's status updates made it stale, as upstream's runKubectlRetryOrDie retries conflicts).
    await within(30_000, async () => {
      const podJSON = await run(ns, ["get", "pod", podName, "-o", "json"]);
      const r = await k(ns, ["replace", "-f", "-", "--dry-run=server", "-o", "jsonpath={.spec.containers[0].image}"], podJSON.replace(HTTPD, BUSYBOX));
      if (r.code !== 0 && r.stderr.includes("Operation cannot be fulfilled")) return undefined;
      expect(ok(r)).toBe(BUSYBOX);
      return true;
    }, 250);
    const pod = await client.get<Pod>({ ...builtinResources.pods, namespace: ns, name: podName });
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0].image).toBe(HTTPD);
    await runningBeforeDelete(ns, podName);
    await run(ns, ["delete", "pods", podName]);
  });

  test("[sig-cli] Kubectl client Kubectl version should check is all data is printed [Conformance]: Client and Server Version lines; -o json has the server's major, minor and gitCommit", async () => {
    const out = ok(await kubectl(server, ["version"]));
    // 1.28+ kubectl prints the short form (upstream matches either).
    expect(out).toMatch(/Client Version: v\d\.\d+\.[\d\w\-.+]+/);
    expect(out).toMatch(/Server Version: v\d\.\d+\.[\d\w\-.+]+/);
    const json = JSON.parse(ok(await kubectl(server, ["version", "-o", "json"])));
    expect(json.serverVersion).toMatchObject({ major: "1", minor: expect.stringMatching(/^\d+\+?$/), gitCommit: expect.stringMatching(/^[0-9a-f]{7,}/) });
    expect(json.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+/);
  });

  test("[sig-cli] Kubectl client Proxy server should support proxy with --port 0 [Conformance]: kubectl proxy -p 0 serves on an OS-assigned loopback port; /api/ lists at least one version", async () => {
    const proxy = kubectlStream(server, ["proxy", "-p", "0", "--disable-filter"]);
    try {
      await proxy.waitFor(/Starting to serve on 127\.0\.0\.1:\d+/, 15_000);
      const port = Number(/Starting to serve on 127\.0\.0\.1:(\d+)/.exec(proxy.output())![1]);
      expect(port).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${port}/api/`);
      expect(res.status).toBe(200);
      const apiVersions = (await res.json()) as { kind: string; versions: string[] };
      expect(apiVersions.kind).toBe("APIVersions");
      expect(apiVersions.versions.length).toBeGreaterThanOrEqual(1);
      expect(apiVersions.versions).toContain("v1");
    } finally {
      await proxy.stop();
    }
  });

  test("[sig-cli] Kubectl client Proxy server should support --unix-socket=/path [Conformance]: kubectl proxy --unix-socket serves /api on that socket", async () => {
    const dir = mkdtempSync(`${tmpdir()}/kubectl-proxy-unix-`);
    const path = `${dir}/test`;
    const proxy = kubectlStream(server, ["proxy", `--unix-socket=${path}`]);
    try {
      await proxy.waitFor(/Starting to serve on/, 15_000);
      // Upstream GETs http://unused/api and asserts only that an answer comes: kubectl's own
      // filter refuses that Host (--accept-hosts is loopback names). With Host localhost the
      // answer is the API server's.
      expect((await fetch("http://unused/api", { unix: path })).status).toBe(403);
      const res = await fetch("http://localhost/api", { unix: path });
      expect(res.status).toBe(200);
      const apiVersions = (await res.json()) as { versions: string[] };
      expect(apiVersions.versions).toContain("v1");
    } finally {
      await proxy.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
