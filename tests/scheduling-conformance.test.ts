/**
 * Upstream conformance tests of scheduling and of the node's admission of pods (kubernetes
 * test/e2e/scheduling/{predicates,preemption}.go, test/e2e/node/taints.go,
 * test/e2e/common/node/runtimeclass.go, test/e2e/apps/{replica_set,rc,statefulset}.go,
 * test/e2e/auth/service_accounts.go, test/e2e/architecture/conformance.go) against the compiled binary.
 *
 * Two servers:
 * - one lite server whose embedded agent runs real pods in a network namespace of its own
 *   (tests/harness/netns-server.ts), for the tests whose pods must run; every case has its own
 *   namespace and the cases run concurrently;
 * - one control-plane-only lite server with two SIMULATED nodes (tests/sim: a node simulator, NOT a
 *   kubelet; it runs no containers and reports bound pods Running), for upstream's [Serial]
 *   scheduler tests, which only look at scheduling results (binding, nominatedNodeName, preemption,
 *   taint eviction). Those cases change the nodes (labels, taints, extended resources), so they run
 *   one after another, as upstream's [Serial] does.
 *
 * No registry is reachable: agnhost serve-hostname, httpd and the pause image are replaced by busybox
 * (httpd serving the pod's hostname; `sleep`), and agnhost's in-pod OIDC validator by the test itself
 * doing what it does with the pod's tokens (see that case). The upstream steps are kept as comments.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, type ApiClient, type KubeObject } from "@lite/sdk";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { ok, populatedNamespace, TrackedNamespaces, within } from "./harness/kube.ts";
import { startNetnsServer, type NetnsServer } from "./harness/netns-server.ts";
import { adminClient, condition, getPod, isRunningReady, podEvents, type Pod } from "./harness/pods.ts";
import { startNodeSimulator, type NodeSimulator } from "./sim/node-simulator.ts";
import { kubeconfigTransportOptions } from "../core/client/index.ts";

setDefaultTimeout(180_000);
const POD_TEST_TIMEOUT = 240_000;

const R = builtinResources;
const pods = (namespace: string) => ({ ...R.pods, namespace });
const runtimeClasses = { group: "node.k8s.io", version: "v1", resource: "runtimeclasses" };
const priorityClasses = { group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses" };
const tokenReviews = { group: "authentication.k8s.io", version: "v1", resource: "tokenreviews" };
const clusterRoleBindings = { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings" };
const replicaSets = (namespace: string) => ({ group: "apps", version: "v1", resource: "replicasets", namespace });
const replicationControllers = (namespace: string) => ({ group: "", version: "v1", resource: "replicationcontrollers", namespace });
const resourceQuotas = (namespace: string) => ({ group: "", version: "v1", resource: "resourcequotas", namespace });
type Obj = KubeObject & { spec?: any; status?: any };

const isNotFound = (err: unknown) => (err as { code?: number }).code === 404;

// ---- the servers --------------------------------------------------------------------------------

let cluster: NetnsServer;
let server: LiteServer;
let client: ApiClient;
/** The control plane of the simulated nodes, and the simulator. */
let simServer: LiteServer;
let sim: NodeSimulator;
let simClient: ApiClient;
const SIM_NODES = ["sched-sim-0", "sched-sim-1"];

beforeAll(async () => {
  const [c, s] = await Promise.all([
    startNetnsServer("lite-scheduling-conformance"),
    startServer(),
  ]);
  cluster = c;
  ({ server, client } = cluster);
  simServer = s;
  simClient = adminClient(simServer);
  sim = await startNodeSimulator({
    kubeconfig: simServer.kubeconfig, heartbeatMs: 2000, podStartMs: 100,
    nodes: SIM_NODES.map((name) => ({ name })), capacity: { cpu: "4", memory: "8Gi", pods: "110" },
  });
});

afterAll(async () => {
  if (client) await namespaces.drain(client);
  await sim?.stop();
  await Promise.allSettled([cluster?.stop(), simServer?.stop()]);
});

const namespaces = new TrackedNamespaces();
/** A fresh namespace, awaited until its controllers populated it (as upstream's framework does). */
async function freshNamespace(api: ApiClient, prefix: string, track = true): Promise<string> {
  return track ? namespaces.create(api, prefix) : populatedNamespace(api, prefix);
}

/** Polls the pod once a second until `check` holds. */
async function waitPod(api: ApiClient, ns: string, name: string, what: string, check: (p: Pod) => boolean, ms = 150_000): Promise<Pod> {
  const deadline = Date.now() + ms;
  for (;;) {
    const pod = await getPod(api, ns, name);
    if (pod && check(pod)) return pod;
    if (Date.now() > deadline) throw new Error(`pod ${ns}/${name}: not ${what} within ${ms} ms; last: ${JSON.stringify(pod ? { spec: { nodeName: pod.spec.nodeName }, status: pod.status } : "(no pod)")}`);
    await Bun.sleep(500);
  }
}

/** GET on the netns server's API with the admin credentials (pods/proxy, logs). */
async function rawGet(path: string, bearer?: string): Promise<Response> {
  const opts = kubeconfigTransportOptions(server.kubeconfig);
  return fetch(`${opts.server}${path}`, {
    headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
    tls: bearer ? { ca: opts.caPem } : { cert: opts.clientCertPem, key: opts.clientKeyPem, ca: opts.caPem },
  } as RequestInit);
}
async function logs(ns: string, pod: string, container: string): Promise<string> {
  const res = await rawGet(`/api/v1/namespaces/${ns}/pods/${pod}/log?container=${container}`);
  const text = await res.text();
  if (!res.ok) throw new Error(`logs of ${ns}/${pod}/${container}: ${res.status} ${text}`);
  return text;
}

/**
 * upstream e2epod.WaitForPodsResponding (wantName): every pod answers, through the API server's
 * pods/proxy, with its own name.
 */
async function podsRespondWithTheirNames(ns: string, names: string[]): Promise<void> {
  await within(120_000, async () => {
    for (const name of names) {
      const res = await rawGet(`/api/v1/namespaces/${ns}/pods/${name}/proxy/`);
      const body = (await res.text()).trim();
      if (!res.ok || body !== name) return undefined;
    }
    return true;
  }, 1000);
}

/**
 * upstream agnhost serve-hostname on :9376 (answers every request with its hostname): busybox httpd
 * serving a file holding the hostname (the pod's name).
 */
const SERVE_HOSTNAME = ["sh", "-c", "mkdir -p /www && printf %s \"$(hostname)\" > /www/index.html && exec httpd -f -p 9376 -h /www"];
function serveHostnameTemplate(name: string) {
  return {
    metadata: { labels: { name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name, image: "busybox", imagePullPolicy: "IfNotPresent", command: SERVE_HOSTNAME, ports: [{ containerPort: 9376 }] }],
    },
  };
}

/**
 * upstream testReplicaSetServeImageOrFail / TestReplicationControllerServeImageOrFail: one replica
 * serving its hostname; the pods are created, each becomes Running and Ready, and each answers with
 * its own name through the API server's proxy.
 */
async function serveImageCase(ns: string, kind: "ReplicaSet" | "ReplicationController") {
  const name = `my-hostname-basic-${crypto.randomUUID()}`;
  const replicas = 1;
  if (kind === "ReplicaSet") {
    await client.create(replicaSets(ns), {
      apiVersion: "apps/v1", kind, metadata: { name },
      spec: { replicas, selector: { matchLabels: { name } }, template: serveHostnameTemplate(name) },
    });
  } else {
    await client.create(replicationControllers(ns), {
      apiVersion: "v1", kind, metadata: { name },
      spec: { replicas, selector: { name }, template: serveHostnameTemplate(name) },
    });
  }
  // e2epod.PodsCreated: the controller's pods, by label.
  const created = await within(60_000, async () => {
    const list = await client.list<Pod>(pods(ns), { labelSelector: `name=${name}` });
    return list.items.length === replicas ? list.items : undefined;
  }, 500);
  // Ensuring all pods are running and ready.
  let running = 0;
  for (const pod of created) {
    if (pod.metadata.deletionTimestamp) continue;
    await waitPod(client, ns, pod.metadata.name!, "Running and Ready", isRunningReady);
    running++;
  }
  expect(running).toBe(replicas);
  // Trying to dial the pods.
  await podsRespondWithTheirNames(ns, created.map((p) => p.metadata.name!));
}

describe.concurrent("scheduling/node conformance (dist/lite with its agent in a network namespace)", () => {
  // ---- ReplicaSet / ReplicationController (replica_set.go, rc.go) -------------------------------

  test("[sig-apps] ReplicaSet should serve a basic image on each replica with a public image [Conformance]: the pod answers with its name through pods/proxy", async () => {
    await serveImageCase(await freshNamespace(client, "replicaset"), "ReplicaSet");
  }, POD_TEST_TIMEOUT);

  test("[sig-apps] ReplicationController should serve a basic image on each replica with a public image [Conformance]: the pod answers with its name through pods/proxy", async () => {
    await serveImageCase(await freshNamespace(client, "replication-controller"), "ReplicationController");
  }, POD_TEST_TIMEOUT);

  test("[sig-apps] ReplicationController should surface a failure condition on a common issue like exceeded quota [Conformance]: ReplicaFailure set at 3 replicas over a 2-pod quota, cleared at 2", async () => {
    const ns = await freshNamespace(client, "rc-quota");
    const name = "condition-test";
    // Creating quota "condition-test" that allows only two pods to run in the current namespace.
    await client.create(resourceQuotas(ns), { apiVersion: "v1", kind: "ResourceQuota", metadata: { name }, spec: { hard: { pods: "2" } } });
    await within(60_000, async () => ((await client.get<Obj>({ ...resourceQuotas(ns), name })).status?.hard?.pods === "2" ? true : undefined), 500);
    // Creating rc "condition-test" that asks for more than the allowed pod quota (upstream: httpd; here busybox httpd).
    let rc = await client.create<Obj>(replicationControllers(ns), {
      apiVersion: "v1", kind: "ReplicationController", metadata: { name },
      spec: {
        replicas: 3, selector: { name },
        template: {
          metadata: { labels: { name } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "httpd", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "mkdir -p /www && exec httpd -f -p 80 -h /www"] }] },
        },
      },
    });
    const failure = (o: Obj) => (o.status?.conditions ?? []).find((c: { type: string }) => c.type === "ReplicaFailure");
    // Checking rc "condition-test" has the desired failure condition set.
    let generation = rc.metadata.generation ?? 0;
    const cond = await within(60_000, async () => {
      rc = await client.get<Obj>({ ...replicationControllers(ns), name });
      if (generation > (rc.status?.observedGeneration ?? 0)) return undefined;
      return failure(rc);
    }, 1000);
    expect(cond).toMatchObject({ type: "ReplicaFailure", status: "True", reason: "FailedCreate" });
    expect(cond.message).toContain("exceeded quota");
    // Scaling down rc "condition-test" to satisfy pod quota.
    for (let attempt = 0; ; attempt++) {
      const cur = await client.get<Obj>({ ...replicationControllers(ns), name });
      cur.spec.replicas = 2;
      try {
        rc = await client.update(replicationControllers(ns), cur);
        break;
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt > 10) throw err;
      }
    }
    // Checking rc "condition-test" has no failure condition set.
    generation = rc.metadata.generation ?? 0;
    await within(60_000, async () => {
      rc = await client.get<Obj>({ ...replicationControllers(ns), name });
      if (generation > (rc.status?.observedGeneration ?? 0)) return undefined;
      return failure(rc) === undefined ? true : undefined;
    }, 1000);
  }, POD_TEST_TIMEOUT);

  // ---- StatefulSet (statefulset.go) --------------------------------------------------------------

  /**
   * upstream rollbackTest on NewStatefulSet("ss2", ns, "test", 3): the httpd image is replaced by the
   * built-in busybox image serving /www on :80 with busybox httpd, and the "new image" by lite's other
   * built-in image (lite.local/pause:3.10, the same busybox layer; the command overrides its
   * entrypoint), so that the template's image really changes. The readiness probe is upstream's
   * httpProbe (GET /index.html :80 every second); breaking it moves index.html away, as upstream does.
   */
  test("[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should perform rolling updates and roll backs of template modifications [Conformance]: reverse-ordinal update to a new revision, then back to the prior one", async () => {
    const ns = await freshNamespace(client, "statefulset");
    const labels = { foo: "bar", baz: "blah" };
    const sts = { group: "apps", version: "v1", resource: "statefulsets", namespace: ns };
    const REVISION = "controller-revision-hash";
    // BeforeEach: the headless service "test".
    await client.create({ ...R.services, namespace: ns }, { apiVersion: "v1", kind: "Service", metadata: { name: "test", labels }, spec: { clusterIP: "None", selector: labels, ports: [{ port: 80, name: "http", protocol: "TCP" }] } });
    const oldImage = "busybox";
    const newImage = "lite.local/pause:3.10";
    await client.create(sts, {
      apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "ss2", labels },
      spec: {
        replicas: 3, serviceName: "test", selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{
              name: "webserver", image: oldImage, imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 80 -h /www"],
              readinessProbe: { httpGet: { path: "/index.html", port: 80 }, periodSeconds: 1, successThreshold: 1, failureThreshold: 1 },
            }],
          },
        },
      },
    });
    const getSet = () => client.get<Obj>({ ...sts, name: "ss2" });
    const podList = async () => (await client.list<Pod>(pods(ns), { labelSelector: "foo=bar,baz=blah" })).items
      .sort((a, b) => Number(a.metadata.name!.split("-").pop()) - Number(b.metadata.name!.split("-").pop()));
    /** waitForStatus: the controller observed the set's generation. */
    const waitForStatus = () => within(60_000, async () => {
      const set = await getSet();
      return (set.status?.observedGeneration ?? 0) >= (set.metadata.generation ?? 0) ? set : undefined;
    }, 500);
    /** e2estatefulset.WaitForRunningAndReady. */
    const waitRunningAndReady = () => within(150_000, async () => {
      const list = await podList();
      return list.length === 3 && list.every(isRunningReady) ? list : undefined;
    }, 1000);
    const updateImage = async (image: string) => {
      for (let attempt = 0; ; attempt++) {
        const cur = await getSet();
        cur.spec.template.spec.containers[0].image = image;
        try {
          return await client.update(sts, cur);
        } catch (err) {
          if ((err as { code?: number }).code !== 409 || attempt > 10) throw err;
        }
      }
    };
    /** RunHostCmdWithRetries: `kubectl exec POD -- /bin/sh -x -c CMD`. */
    const hostCmd = async (pod: string, cmd: string) => {
      await within(60_000, async () => ((await kubectl(server, ["-n", ns, "exec", pod, "--", "/bin/sh", "-x", "-c", cmd], { timeoutMs: 30_000 })).code === 0 ? true : undefined), 1000);
    };
    const breakProbe = (pod: string) => hostCmd(pod, "mv -v /www/index.html /tmp/ || true");
    const restoreProbe = (pod: string) => hostCmd(pod, "mv -v /tmp/index.html /www/ || true");
    const waitReady = (pod: string, ready: boolean) => waitPod(client, ns, pod, ready ? "Ready" : "not Ready", (p) => (condition(p, "Ready") === "True") === ready);
    /** waitForRollingUpdate: all pods exist and the update revision became the current one. */
    const waitForRollingUpdate = () => within(180_000, async () => {
      const set = await getSet();
      const list = await podList();
      if (list.length < 3 || (set.status?.observedGeneration ?? 0) < (set.metadata.generation ?? 0)) return undefined;
      return set.status?.updateRevision === set.status?.currentRevision ? { set, list } : undefined;
    }, 1000);

    await waitRunningAndReady();
    let set = await waitForStatus();
    let currentRevision = set.status.currentRevision as string;
    let updateRevision = set.status.updateRevision as string;
    expect(currentRevision).toBe(updateRevision);
    let list = await podList();
    for (const p of list) expect(p.metadata.labels?.[REVISION]).toBe(currentRevision);
    await breakProbe(list[1]!.metadata.name!);
    await waitReady(list[1]!.metadata.name!, false);

    // Updating StatefulSet template: update image from oldImage to newImage.
    expect(oldImage).not.toBe(newImage);
    await updateImage(newImage);
    // Creating a new revision.
    set = await waitForStatus();
    currentRevision = set.status.currentRevision;
    updateRevision = set.status.updateRevision;
    expect(currentRevision, "Current revision should not equal update revision during rolling update").not.toBe(updateRevision);

    // Updating Pods in reverse ordinal order.
    list = await podList();
    await restoreProbe(list[1]!.metadata.name!);
    await waitReady(list[1]!.metadata.name!, true);
    ({ set, list } = await waitForRollingUpdate());
    expect(set.status.currentRevision).toBe(updateRevision);
    for (const p of list) {
      expect(p.spec.containers[0].image).toBe(newImage);
      expect(p.metadata.labels?.[REVISION]).toBe(updateRevision);
    }

    // Rolling back to a previous revision.
    await waitRunningAndReady();
    await breakProbe(list[1]!.metadata.name!);
    await waitReady(list[1]!.metadata.name!, false);
    const priorRevision = currentRevision;
    await updateImage(oldImage);
    set = await waitForStatus();
    currentRevision = set.status.currentRevision;
    updateRevision = set.status.updateRevision;
    expect(updateRevision, "Prior revision should equal update revision during roll back").toBe(priorRevision);
    expect(currentRevision, "Current revision should not equal update revision during roll back").not.toBe(updateRevision);

    // Rolling back update in reverse ordinal order.
    list = await podList();
    await restoreProbe(list[1]!.metadata.name!);
    await waitReady(list[1]!.metadata.name!, true);
    ({ set, list } = await waitForRollingUpdate());
    expect(set.status.currentRevision).toBe(priorRevision);
    for (const p of list) {
      expect(p.spec.containers[0].image).toBe(oldImage);
      expect(p.metadata.labels?.[REVISION]).toBe(priorRevision);
    }
  }, 420_000);

  // ---- ServiceAccounts (service_accounts.go) -----------------------------------------------------

  test("[sig-auth] ServiceAccounts should mount an API token into pods [Conformance]: token, ca.crt and namespace mounted; the token identifies the pod's service account", async () => {
    const ns = await freshNamespace(client, "svcaccounts");
    const sa = await client.create<Obj>({ ...R.serviceAccounts, namespace: ns }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "mount-test" } });
    const podName = `pod-service-account-${crypto.randomUUID()}`;
    const pod = await client.create<Pod>(pods(ns), {
      apiVersion: "v1", kind: "Pod", metadata: { name: podName },
      spec: {
        serviceAccountName: sa.metadata.name, terminationGracePeriodSeconds: 0, restartPolicy: "Never",
        containers: [{ name: "test", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sleep", "100000"] }],
      },
    });
    await waitPod(client, ns, podName, "Running", (p) => p.status?.phase === "Running");
    // tk.ReadFileViaContainer: `kubectl exec pod -c test -- cat FILE`.
    const read = async (file: string) => ok(await kubectl(server, ["-n", ns, "exec", podName, "-c", "test", "--", "cat", `/var/run/secrets/kubernetes.io/serviceaccount/${file}`], { timeoutMs: 60_000 }));
    const [mountedToken, mountedCA, mountedNamespace] = [await read("token"), await read("ca.crt"), await read("namespace")];
    // CA and namespace should be identical.
    const rootCA = await client.get<Obj & { data?: Record<string, string> }>({ ...R.configMaps, namespace: ns, name: "kube-root-ca.crt" });
    expect(mountedCA).toBe(rootCA.data!["ca.crt"]!);
    expect(mountedNamespace).toBe(ns);
    // The token should be a valid credential that identifies the pod's service account.
    const review = await client.create<Obj>(tokenReviews, { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", metadata: {}, spec: { token: mountedToken } });
    expect(review.status?.authenticated).toBe(true);
    expect(review.status?.error ?? "").toBe("");
    expect(review.status?.user?.username).toBe(`system:serviceaccount:${ns}:${sa.metadata.name}`);
    expect(review.status?.user?.extra?.["authentication.kubernetes.io/pod-name"]).toEqual([podName]);
    expect(review.status?.user?.extra?.["authentication.kubernetes.io/pod-uid"]).toEqual([pod.metadata.uid]);
  }, POD_TEST_TIMEOUT);

  test("[sig-auth] ServiceAccounts should allow opting out of API token automount [Conformance]: the pod's field wins over the ServiceAccount's", async () => {
    const ns = await freshNamespace(client, "svcaccounts-automount");
    const sas = (name: string, automount: boolean) =>
      client.create({ ...R.serviceAccounts, namespace: ns }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name }, automountServiceAccountToken: automount });
    await sas("mount", true);
    await sas("nomount", false);
    const cases: [podName: string, serviceAccountName: string, automountPodSpec: boolean | undefined, expectTokenVolume: boolean][] = [
      ["pod-service-account-defaultsa", "", undefined, true],
      ["pod-service-account-mountsa", "mount", undefined, true],
      ["pod-service-account-nomountsa", "nomount", undefined, false],
      // Make sure the pod spec trumps when opting in.
      ["pod-service-account-defaultsa-mountspec", "", true, true],
      ["pod-service-account-mountsa-mountspec", "mount", true, true],
      ["pod-service-account-nomountsa-mountspec", "nomount", true, true],
      // Make sure the pod spec trumps when opting out.
      ["pod-service-account-defaultsa-nomountspec", "", false, false],
      ["pod-service-account-mountsa-nomountspec", "mount", false, false],
      ["pod-service-account-nomountsa-nomountspec", "nomount", false, false],
    ];
    for (const [podName, saName, automount, expectTokenVolume] of cases) {
      // upstream: agnhost with no arguments (prints its help and exits); busybox with no command likewise.
      const created = await client.create<Pod>(pods(ns), {
        apiVersion: "v1", kind: "Pod", metadata: { name: podName },
        spec: {
          restartPolicy: "Never", terminationGracePeriodSeconds: 1,
          ...(saName ? { serviceAccountName: saName } : {}),
          ...(automount === undefined ? {} : { automountServiceAccountToken: automount }),
          containers: [{ name: "token-test", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["true"] }],
        },
      });
      const hasTokenVolume = (created.spec.containers as { volumeMounts?: { mountPath: string }[] }[])
        .some((c) => (c.volumeMounts ?? []).some((vm) => vm.mountPath === "/var/run/secrets/kubernetes.io/serviceaccount"));
      expect(hasTokenVolume, `pod ${podName}: service account token volume mount`).toBe(expectTokenVolume);
    }
  }, POD_TEST_TIMEOUT);

  /**
   * upstream: a pod (ServiceAccount `default`, bound to system:service-account-issuer-discovery)
   * runs agnhost test-service-account-issuer-discovery on a projected token with audience
   * `oidc-discovery-test`: with its in-cluster credentials it reads the issuer's
   * /.well-known/openid-configuration, then the JWKS at jwks_uri, and verifies the projected token
   * against them (issuer and audience included); the pod must succeed. Here the busybox pod prints
   * both tokens and succeeds, and the test does the validator's work with them over the same API.
   */
  test("[sig-auth] ServiceAccounts ServiceAccountIssuerDiscovery should support OIDC discovery of service account issuer [Conformance]: the projected token verifies against the discovered JWKS", async () => {
    const ns = await freshNamespace(client, "svcaccounts-oidc");
    const clusterRoleName = "system:service-account-issuer-discovery";
    const crbName = `${ns}-${clusterRoleName}`;
    await client.create(clusterRoleBindings, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: crbName },
      subjects: [{ kind: "ServiceAccount", apiGroup: "", name: "default", namespace: ns }],
      roleRef: { name: clusterRoleName, apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole" },
    });
    try {
      const tokenPath = "/var/run/secrets/tokens";
      const tokenName = "sa-token";
      const audience = "oidc-discovery-test";
      await client.create(pods(ns), {
        apiVersion: "v1", kind: "Pod", metadata: { name: "oidc-discovery-validator" },
        spec: {
          restartPolicy: "Never", serviceAccountName: "default", terminationGracePeriodSeconds: 1,
          containers: [{
            name: "oidc-discovery-validator", image: "busybox", imagePullPolicy: "IfNotPresent",
            command: ["sh", "-c", `cat ${tokenPath}/${tokenName}; echo; cat /var/run/secrets/kubernetes.io/serviceaccount/token`],
            volumeMounts: [{ mountPath: tokenPath, name: tokenName, readOnly: true }],
          }],
          volumes: [{ name: tokenName, projected: { sources: [{ serviceAccountToken: { path: tokenName, expirationSeconds: 600, audience } }] } }],
        },
      });
      const done = await waitPod(client, ns, "oidc-discovery-validator", "Succeeded or Failed", (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed");
      expect(done.status?.phase).toBe("Succeeded");
      const [projected, inCluster] = (await logs(ns, "oidc-discovery-validator", "oidc-discovery-validator")).trim().split("\n").map((l) => l.trim());
      expect(projected && inCluster).toBeTruthy();

      const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
      const [headerB64, claimsB64, signatureB64] = projected!.split(".");
      const header = decode(headerB64!);
      const claims = decode(claimsB64!);
      // The validator's steps, with the pod's in-cluster token as its credentials.
      const configRes = await rawGet("/.well-known/openid-configuration", inCluster);
      expect(configRes.status).toBe(200);
      const config = await configRes.json() as { issuer: string; jwks_uri: string; id_token_signing_alg_values_supported: string[] };
      expect(config.issuer).toBe(claims.iss);
      expect(config.id_token_signing_alg_values_supported).toContain(header.alg);
      const jwksRes = await rawGet(new URL(config.jwks_uri).pathname, inCluster);
      expect(jwksRes.status).toBe(200);
      const jwks = await jwksRes.json() as { keys: (Record<string, unknown> & { kid?: string })[] };
      const jwk = jwks.keys.find((k) => k.kid === header.kid);
      expect(jwk, `a key with kid ${header.kid} in ${JSON.stringify(jwks)}`).toBeDefined();
      // The JWS algorithms Kubernetes signs service-account tokens with: RS256 (RSA keys) or ES256 (P-256 keys).
      const algorithms: Record<string, { importAs: Record<string, string>; verifyAs: string | Record<string, string> }> = {
        RS256: { importAs: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verifyAs: "RSASSA-PKCS1-v1_5" },
        ES256: { importAs: { name: "ECDSA", namedCurve: "P-256" }, verifyAs: { name: "ECDSA", hash: "SHA-256" } },
      };
      const algorithm = algorithms[header.alg as string];
      expect(algorithm, `signing algorithm ${header.alg}`).toBeDefined();
      const key = await crypto.subtle.importKey("jwk", jwk! as never, algorithm!.importAs as never, false, ["verify"]);
      const verified = await crypto.subtle.verify(algorithm!.verifyAs as never, key, Buffer.from(signatureB64!, "base64url"), new TextEncoder().encode(`${headerB64}.${claimsB64}`));
      expect(verified).toBe(true);
      expect([claims.aud].flat()).toContain(audience);
      expect(claims.exp * 1000).toBeGreaterThan(Date.now());
      expect(claims.sub).toBe(`system:serviceaccount:${ns}:default`);
    } finally {
      await client.delete({ ...clusterRoleBindings, name: crbName }).catch(() => {});
    }
  }, POD_TEST_TIMEOUT);

  // ---- RuntimeClass (runtimeclass.go) ------------------------------------------------------------

  /** upstream e2eruntimeclass.NewRuntimeClassPod: busybox `true`, restartPolicy Never, no token. */
  const runtimeClassPod = (rcName: string) => ({
    apiVersion: "v1", kind: "Pod", metadata: { generateName: `test-runtimeclass-${rcName}-` },
    spec: {
      runtimeClassName: rcName, restartPolicy: "Never", automountServiceAccountToken: false, terminationGracePeriodSeconds: 1,
      containers: [{ name: "test", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["true"] }],
    },
  });
  /** upstream createRuntimeClass: a RuntimeClass named `<namespace>-<name>`. */
  async function createRuntimeClass(ns: string, name: string, handler: string, overhead?: Record<string, unknown>): Promise<string> {
    const rc = await client.create<Obj>(runtimeClasses, { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: `${ns}-${name}` }, handler, ...(overhead ? { overhead } : {}) });
    return rc.metadata.name!;
  }
  /** upstream expectPodRejection: a dry-run create of the pod is Forbidden. */
  async function expectPodRejection(ns: string, rcName: string): Promise<void> {
    let err: unknown;
    try {
      await client.create(pods(ns), runtimeClassPod(rcName), { dryRun: true });
    } catch (e) {
      err = e;
    }
    expect(err, "should get forbidden error").toBeDefined();
    expect((err as { code?: number }).code, String(err)).toBe(403);
    expect(String((err as Error).message)).toContain(`RuntimeClass "${rcName}" not found`);
  }
  /** upstream WaitForPodsWithLabelScheduled (empty selector): the namespace's only pod is bound. */
  async function onlyPodScheduled(ns: string): Promise<Pod> {
    return within(60_000, async () => {
      const list = await client.list<Pod>(pods(ns));
      return list.items.length === 1 && list.items[0]!.spec.nodeName && condition(list.items[0]!, "PodScheduled") === "True" ? list.items[0] : undefined;
    }, 500);
  }
  // upstream's PreconfiguredRuntimeClassHandler is "test-handler"; these cases only check scheduling.
  const PRECONFIGURED_HANDLER = "test-handler";

  test("[sig-node] RuntimeClass should reject a Pod requesting a non-existent RuntimeClass [NodeConformance] [Conformance]: the create is Forbidden", async () => {
    const ns = await freshNamespace(client, "runtimeclass");
    await expectPodRejection(ns, `${ns}-nonexistent`);
  });

  test("[sig-node] RuntimeClass should reject a Pod requesting a deleted RuntimeClass [NodeConformance] [Conformance]: once it is gone the create is Forbidden", async () => {
    const ns = await freshNamespace(client, "runtimeclass");
    const rcName = await createRuntimeClass(ns, "delete-me", "runc");
    // Deleting the RuntimeClass; waiting for it to disappear.
    await client.delete({ ...runtimeClasses, name: rcName });
    await within(60_000, async () => {
      try {
        await client.get({ ...runtimeClasses, name: rcName });
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    }, 500);
    await within(60_000, async () => {
      try {
        await expectPodRejection(ns, rcName);
        return true;
      } catch {
        return undefined;
      }
    }, 1000).catch(() => expectPodRejection(ns, rcName));
  });

  test("[sig-node] RuntimeClass should schedule a Pod requesting a RuntimeClass without PodOverhead [NodeConformance] [Conformance]: bound, no overhead set", async () => {
    const ns = await freshNamespace(client, "runtimeclass");
    const rcName = await createRuntimeClass(ns, "preconfigured-handler", PRECONFIGURED_HANDLER);
    try {
      const pod = await client.create<Pod>(pods(ns), runtimeClassPod(rcName));
      const scheduled = await onlyPodScheduled(ns);
      expect(scheduled.metadata.name).toBe(pod.metadata.name!);
      // Overhead should not be set.
      expect(Object.keys(scheduled.spec.overhead ?? {})).toEqual([]);
    } finally {
      await client.delete({ ...runtimeClasses, name: rcName }).catch(() => {});
    }
  });

  test("[sig-node] RuntimeClass should schedule a Pod requesting a RuntimeClass and initialize its Overhead [NodeConformance] [Conformance]: bound, overhead from the RuntimeClass", async () => {
    const ns = await freshNamespace(client, "runtimeclass");
    const rcName = await createRuntimeClass(ns, "preconfigured-handler", PRECONFIGURED_HANDLER, { podFixed: { cpu: "10m", memory: "1Mi" } });
    try {
      const pod = await client.create<Pod>(pods(ns), runtimeClassPod(rcName));
      const scheduled = await onlyPodScheduled(ns);
      expect(scheduled.metadata.name).toBe(pod.metadata.name!);
      expect(scheduled.spec.overhead?.cpu).toBe("10m");
      expect(scheduled.spec.overhead?.memory).toBe("1Mi");
    } finally {
      await client.delete({ ...runtimeClasses, name: rcName }).catch(() => {});
    }
  });
});

// ---- [Serial] scheduler tests on SIMULATED nodes ---------------------------------------------------

/** upstream pausePodConfig / initPausePod, for the simulated nodes (the image never runs). */
function pausePod(name: string, c: {
  labels?: Record<string, string>; priorityClassName?: string; resources?: Record<string, unknown>; affinity?: Record<string, unknown>;
  nodeSelector?: Record<string, string>; ports?: Record<string, unknown>[]; finalizers?: string[]; tolerations?: Record<string, unknown>[];
} = {}) {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, ...(c.labels ? { labels: c.labels } : {}), ...(c.finalizers ? { finalizers: c.finalizers } : {}) },
    spec: {
      terminationGracePeriodSeconds: 1,
      ...(c.priorityClassName ? { priorityClassName: c.priorityClassName } : {}),
      ...(c.affinity ? { affinity: c.affinity } : {}),
      ...(c.nodeSelector ? { nodeSelector: c.nodeSelector } : {}),
      ...(c.tolerations ? { tolerations: c.tolerations } : {}),
      containers: [{ name, image: "lite.local/pause:3.10", ...(c.resources ? { resources: c.resources } : {}), ...(c.ports ? { ports: c.ports } : {}) }],
    },
  };
}
const simPods = (ns: string) => ({ ...R.pods, namespace: ns });
const onNode = (node: string) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }] } } });
const simRunning = (ns: string, name: string) => waitPod(simClient, ns, name, "Running", (p) => p.status?.phase === "Running" && !!p.spec.nodeName, 60_000);
const unschedulable = (ns: string, name: string) => waitPod(simClient, ns, name, "Unschedulable",
  (p) => (p.status?.conditions ?? []).some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable"), 60_000);

/** upstream e2enode.AddExtendedResource / RemoveExtendedResource: a JSON patch of the node's status capacity. */
async function setExtendedResource(node: string, resource: string, quantity: string | undefined): Promise<void> {
  const escaped = resource.replace(/~/g, "~0").replace(/\//g, "~1");
  const ops = quantity === undefined
    ? [{ op: "remove", path: `/status/capacity/${escaped}` }, { op: "remove", path: `/status/allocatable/${escaped}` }]
    : [{ op: "add", path: `/status/capacity/${escaped}`, value: quantity }, { op: "add", path: `/status/allocatable/${escaped}`, value: quantity }];
  await simClient.patch({ ...R.nodes, name: node }, "json", ops, { subresource: "status" }).catch((err) => { if (quantity !== undefined) throw err; });
  // The scheduler sees it once its node informer has.
  await Bun.sleep(300);
}
async function setNodeLabel(node: string, key: string, value: string | null): Promise<void> {
  await simClient.patch({ ...R.nodes, name: node }, "merge", { metadata: { labels: { [key]: value } } });
}
async function setNodeTaints(node: string, mutate: (taints: Record<string, unknown>[]) => Record<string, unknown>[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const cur = await simClient.get<Obj>({ ...R.nodes, name: node });
    cur.spec = { ...cur.spec, taints: mutate(cur.spec?.taints ?? []) };
    try {
      await simClient.update(R.nodes, cur);
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 409 || attempt > 10) throw err;
    }
  }
}
/** upstream e2enode.GetReadySchedulableNodes: Ready, not unschedulable, and no NoSchedule/NoExecute taint. */
async function readySchedulableNodes(api: ApiClient): Promise<Obj[]> {
  const nodes = (await api.list<Obj>(R.nodes)).items;
  return nodes.filter((n) => condition(n as Pod, "Ready") === "True" && !n.spec?.unschedulable
    && !(n.spec?.taints ?? []).some((t: { effect: string }) => t.effect === "NoSchedule" || t.effect === "NoExecute"));
}
/** upstream GetNodeThatCanRunPod: runs a pod ("without-label"), returns its node, deletes it. */
async function nodeThatCanRunPod(ns: string): Promise<string> {
  await simClient.create(simPods(ns), pausePod("without-label"));
  const pod = await simRunning(ns, "without-label");
  await simClient.delete({ ...simPods(ns), name: "without-label" }, { gracePeriodSeconds: 0 });
  return pod.spec.nodeName as string;
}
const wasPreempted = async (ns: string, name: string) => {
  const p = await getPod(simClient, ns, name);
  return p === undefined || !!p.metadata.deletionTimestamp;
};

describe("[Serial] scheduling conformance on SIMULATED nodes (dist/lite control plane + tests/sim node simulator, no kubelet)", () => {
  test("[sig-architecture] Conformance Tests should have at least two untainted nodes [Conformance]: two Ready, schedulable, untainted (simulated) nodes", async () => {
    // e2enode.WaitForAllNodesSchedulable, then GetReadySchedulableNodes must list at least two.
    const nodes = await within(60_000, async () => {
      const ready = await readySchedulableNodes(simClient);
      return ready.length >= 2 ? ready : undefined;
    }, 500);
    expect(nodes.length).toBeGreaterThanOrEqual(2);
  });

  test("[sig-scheduling] SchedulerPredicates [Serial] validates that NodeSelector is respected if not matching [Conformance]: the pod stays Unschedulable", async () => {
    const ns = await freshNamespace(simClient, "sched-pred", false);
    await simClient.create(simPods(ns), pausePod("restricted-pod", { labels: { name: "restricted" }, nodeSelector: { label: "nonempty" } }));
    const pod = await unschedulable(ns, "restricted-pod");
    expect(pod.spec.nodeName ?? "").toBe("");
    // verifyResult(0 scheduled, 1 not scheduled)
    const list = (await simClient.list<Pod>(simPods(ns))).items;
    expect(list.filter((p) => p.spec.nodeName).length).toBe(0);
    expect(list.filter((p) => !p.spec.nodeName).length).toBe(1);
  });

  test("[sig-scheduling] SchedulerPredicates [Serial] validates that NodeSelector is respected if matching [Conformance]: the pod lands on the labelled node", async () => {
    const ns = await freshNamespace(simClient, "sched-pred", false);
    const nodeName = await nodeThatCanRunPod(ns);
    // Trying to apply a random label on the found node.
    const k = `kubernetes.io/e2e-${crypto.randomUUID()}`;
    await setNodeLabel(nodeName, k, "42");
    try {
      expect((await simClient.get<Obj>({ ...R.nodes, name: nodeName })).metadata.labels?.[k]).toBe("42");
      // Trying to relaunch the pod, now with labels.
      await simClient.create(simPods(ns), pausePod("with-labels", { nodeSelector: { [k]: "42" } }));
      const pod = await waitPod(simClient, ns, "with-labels", "not Pending", (p) => !!p.status?.phase && p.status.phase !== "Pending", 60_000);
      expect(pod.spec.nodeName).toBe(nodeName);
    } finally {
      await setNodeLabel(nodeName, k, null);
    }
  });

  test("[sig-scheduling] SchedulerPredicates [Serial] validates resource limits of pods that are allowed to run [Conformance]: fillers take 70% of each node's CPU, a pod asking half a node does not fit", async () => {
    const ns = await freshNamespace(simClient, "sched-pred", false);
    const nodes = await readySchedulableNodes(simClient);
    const milli = (q: string) => (q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000);
    const free = new Map<string, number>();
    let nodeMaxAllocatable = 0;
    for (const n of nodes) {
      await setNodeLabel(n.metadata.name!, "node", n.metadata.name!);
      const a = milli(n.status.allocatable.cpu);
      free.set(n.metadata.name!, a);
      nodeMaxAllocatable = Math.max(nodeMaxAllocatable, a);
    }
    try {
      for (const p of (await simClient.list<Pod>(R.pods)).items) {
        const node = p.spec.nodeName as string | undefined;
        if (!node || !free.has(node) || p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
        const requested = (p.spec.containers as { resources?: { requests?: { cpu?: string } } }[]).reduce((s, c) => s + (c.resources?.requests?.cpu ? milli(c.resources.requests.cpu) : 0), 0);
        free.set(node, free.get(node)! - requested);
      }
      // Starting Pods to consume most of the cluster CPU: one pod per node asking 70% of what is left.
      const fillers: string[] = [];
      for (const [node, cpu] of free) {
        const requested = Math.floor((cpu * 7) / 10);
        const name = `filler-pod-${crypto.randomUUID()}`;
        fillers.push(name);
        const res = { cpu: `${requested}m` };
        await simClient.create(simPods(ns), pausePod(name, {
          resources: { requests: res, limits: res },
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "node", operator: "In", values: [node] }] }] } } },
        }));
      }
      for (const f of fillers) await simRunning(ns, f);
      // Creating another pod that requires unavailable amount of CPU.
      const res = { cpu: `${Math.floor((nodeMaxAllocatable * 5) / 10)}m` };
      await simClient.create(simPods(ns), pausePod("additional-pod", { labels: { name: "additional" }, resources: { requests: res, limits: res } }));
      await unschedulable(ns, "additional-pod");
      const events = await within(20_000, async () => {
        const e = await podEvents(simClient, ns, "additional-pod");
        return e.some((l) => l.startsWith("FailedScheduling:")) ? e : undefined;
      }, 500);
      expect(events.find((l) => l.startsWith("FailedScheduling:"))).toContain("Insufficient cpu");
      // verifyResult(len(fillerPods) scheduled, 1 not scheduled)
      const list = (await simClient.list<Pod>(simPods(ns))).items;
      expect(list.filter((p) => p.spec.nodeName).length).toBe(fillers.length);
      expect(list.filter((p) => !p.spec.nodeName).length).toBe(1);
    } finally {
      for (const n of nodes) await setNodeLabel(n.metadata.name!, "node", null);
      await simClient.delete({ ...R.namespaces, name: ns }).catch(() => {});
    }
  });

  test("[sig-scheduling] SchedulerPredicates [Serial] validates that there exists conflict between pods with same hostPort and protocol but one using 0.0.0.0 hostIP [Conformance]: pod5 on the node's IP is not scheduled next to pod4 on 0.0.0.0", async () => {
    const ns = await freshNamespace(simClient, "sched-pred", false);
    const nodeName = await nodeThatCanRunPod(ns);
    const node = await simClient.get<Obj>({ ...R.nodes, name: nodeName });
    const hostIP = (node.status.addresses as { type: string; address: string }[]).find((a) => a.type === "InternalIP")!.address;
    const k = `kubernetes.io/e2e-${crypto.randomUUID()}`;
    await setNodeLabel(nodeName, k, "95");
    try {
      const port = 54322;
      // pod4: hostPort 54322, hostIP 0.0.0.0 (empty here), expected scheduled.
      await simClient.create(simPods(ns), pausePod("pod4", { nodeSelector: { [k]: "95" }, ports: [{ hostPort: port, containerPort: 8080, protocol: "TCP" }] }));
      const pod4 = await simRunning(ns, "pod4");
      expect(pod4.spec.nodeName).toBe(nodeName);
      // pod5: the same hostPort on the node's IP, on the node pod4 resides on: expected not scheduled.
      await simClient.create(simPods(ns), pausePod("pod5", { nodeSelector: { [k]: "95" }, ports: [{ hostPort: port, hostIP, containerPort: 8080, protocol: "TCP" }] }));
      const pod5 = await unschedulable(ns, "pod5");
      expect(pod5.spec.nodeName ?? "").toBe("");
    } finally {
      await setNodeLabel(nodeName, k, null);
      await simClient.delete({ ...R.namespaces, name: ns }).catch(() => {});
    }
  });

  // ---- SchedulerPreemption (preemption.go) -----------------------------------------------------

  const testExtendedResource = "scheduling.k8s.io/foo";
  const lowPriorityClassName = "sched-preemption-low-priority";
  const mediumPriorityClassName = "sched-preemption-medium-priority";
  const highPriorityClassName = "sched-preemption-high-priority";
  async function createPriorityClasses(pairs: [string, number][]): Promise<void> {
    for (const [name, value] of pairs) {
      await simClient.create(priorityClasses, { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value }).catch((err) => {
        if ((err as { code?: number }).code !== 409) throw err;
      });
    }
  }
  const preemptionSetup = async () => {
    await createPriorityClasses([[lowPriorityClassName, 1], [mediumPriorityClassName, 100], [highPriorityClassName, 1000]]);
    return (await readySchedulableNodes(simClient)).map((n) => n.metadata.name!);
  };

  /**
   * upstream "validates basic preemption works" and "... by critical pod": two pods per node, each
   * asking 2 of the node's 5 extended resources (the first pod low priority, the rest medium); a
   * pod of high (or system-cluster-critical) priority asking the same preempts the low one only.
   */
  async function basicPreemption(ns: string, preemptor: { namespace: string; name: string; priorityClassName: string }) {
    const nodeList = await preemptionSetup();
    const created: string[] = [];
    const podRes = { [testExtendedResource]: "2" };
    try {
      for (const [i, node] of nodeList.entries()) {
        await setExtendedResource(node, testExtendedResource, "5");
        for (let j = 0; j < 2; j++) {
          const priorityName = created.length === 0 ? lowPriorityClassName : mediumPriorityClassName;
          const name = `pod${i}-${j}-${priorityName}`;
          await simClient.create(simPods(ns), pausePod(name, { priorityClassName: priorityName, resources: { requests: podRes, limits: podRes }, affinity: onNode(node) }));
          created.push(name);
        }
      }
      expect(created.length).toBeGreaterThanOrEqual(2);
      // Wait for pods to be scheduled.
      for (const name of created) await simRunning(ns, name);
      // Run a high priority pod that has the same requirements as the lower priority pod.
      await simClient.create(simPods(preemptor.namespace), pausePod(preemptor.name, { priorityClassName: preemptor.priorityClassName, resources: { requests: podRes, limits: podRes } }));
      await simRunning(preemptor.namespace, preemptor.name);
      expect(await wasPreempted(ns, created[0]!), `expected ${created[0]} to be preempted`).toBe(true);
      for (const name of created.slice(1)) {
        const live = await simClient.get<Pod>({ ...simPods(ns), name });
        expect(live.metadata.deletionTimestamp, `${name} must not be preempted`).toBeUndefined();
      }
    } finally {
      await simClient.delete({ ...simPods(preemptor.namespace), name: preemptor.name }, { gracePeriodSeconds: 0 }).catch(() => {});
      await simClient.delete({ ...R.namespaces, name: ns }).catch(() => {});
      // Removing the extended resource once the namespace's pods left the nodes.
      await within(30_000, async () => ((await simClient.list(simPods(ns))).items.length === 0 ? true : undefined), 500).catch(() => {});
      for (const node of nodeList) await setExtendedResource(node, testExtendedResource, undefined);
    }
  }

  test("[sig-scheduling] SchedulerPreemption [Serial] validates basic preemption works [Conformance]: the low-priority pod is preempted, the medium ones stay", async () => {
    const ns = await freshNamespace(simClient, "sched-preemption", false);
    await basicPreemption(ns, { namespace: ns, name: "preemptor-pod", priorityClassName: highPriorityClassName });
  });

  test("[sig-scheduling] SchedulerPreemption [Serial] validates lower priority pod preemption by critical pod [Conformance]: a system-cluster-critical pod in kube-system preempts the low-priority pod", async () => {
    const ns = await freshNamespace(simClient, "sched-preemption", false);
    await basicPreemption(ns, { namespace: "kube-system", name: "critical-pod", priorityClassName: "system-cluster-critical" });
  });

  test("[sig-scheduling] SchedulerPreemption [Serial] validates pod disruption condition is added to the preempted pod [Conformance]: the victim (held by a finalizer) is terminating with DisruptionTarget", async () => {
    const ns = await freshNamespace(simClient, "sched-preemption", false);
    const [node] = await preemptionSetup();
    const testFinalizer = "example.com/test-finalizer";
    const podRes = { [testExtendedResource]: "1" };
    await setExtendedResource(node!, testExtendedResource, "1");
    try {
      // Create a low priority pod that consumes 1/1 of node resources.
      await simClient.create(simPods(ns), pausePod("victim-pod", { priorityClassName: lowPriorityClassName, resources: { requests: podRes, limits: podRes }, finalizers: [testFinalizer], affinity: onNode(node!) }));
      await simRunning(ns, "victim-pod");
      // Create a high priority pod to trigger preemption of the lower priority pod.
      await simClient.create(simPods(ns), pausePod("preemptor-pod", { priorityClassName: highPriorityClassName, resources: { requests: podRes, limits: podRes }, affinity: onNode(node!) }));
      // Waiting for the victim pod to be terminating; verifying it has the pod disruption condition.
      const victim = await waitPod(simClient, ns, "victim-pod", "terminating", (p) => !!p.metadata.deletionTimestamp, 60_000);
      const disruption = (victim.status?.conditions ?? []).find((c) => c.type === "DisruptionTarget");
      expect(disruption, JSON.stringify(victim.status?.conditions)).toBeDefined();
      expect(disruption!.status).toBe("True");
    } finally {
      // Remove the finalizer so that the victim pod can be deleted.
      await simClient.patch({ ...simPods(ns), name: "victim-pod" }, "json", [{ op: "remove", path: "/metadata/finalizers" }]).catch(() => {});
      await simClient.delete({ ...R.namespaces, name: ns }).catch(() => {});
      await within(30_000, async () => ((await simClient.list(simPods(ns))).items.length === 0 ? true : undefined), 500).catch(() => {});
      await setExtendedResource(node!, testExtendedResource, undefined);
    }
  });

  test("[sig-scheduling] SchedulerPreemption [Serial] PreemptionExecutionPath runs ReplicaSets to verify preemption running path [Conformance]: rs-pod1 and rs-pod2 are preempted once each, rs-pod3 never", async () => {
    const ns = await freshNamespace(simClient, "sched-preemption-path", false);
    const fakecpu = "example.com/fakecpu";
    const nodeName = await nodeThatCanRunPod(ns);
    const node = await simClient.get<Obj>({ ...R.nodes, name: nodeName });
    const nodeHostNameLabel = node.metadata.labels?.["kubernetes.io/hostname"] ?? "";
    expect(nodeHostNameLabel, "kubernetes.io/hostname label on the node").not.toBe("");
    await setExtendedResource(nodeName, fakecpu, "1000");
    const pairs: [string, number][] = [1, 2, 3, 4].map((i) => [`p${i}`, i]);
    await createPriorityClasses(pairs);
    // An informer on the namespace's pods, counting creations per ReplicaSet.
    const podNamesSeen = [0, 0, 0];
    const seen = new Set<string>();
    const abort = new AbortController();
    const start = await simClient.list<Pod>(simPods(ns));
    const watching = (async () => {
      try {
        for await (const e of simClient.watch<Pod>(simPods(ns), { resourceVersion: start.metadata.resourceVersion, signal: abort.signal })) {
          if (e.type !== "ADDED" || seen.has(e.object.metadata.uid!)) continue;
          seen.add(e.object.metadata.uid!);
          const i = ["rs-pod1", "rs-pod2", "rs-pod3"].findIndex((p) => e.object.metadata.name!.startsWith(p));
          if (i >= 0) podNamesSeen[i]!++;
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    })();
    try {
      // Create ReplicaSets {1,2,3} so as to occupy 950/1000 of the fake resource.
      for (const [i, amount] of [[1, "200"], [2, "300"], [3, "450"]] as const) {
        const name = `pod${i}`;
        const res = { [fakecpu]: amount };
        const pod = pausePod(name, { labels: { name }, priorityClassName: `p${i}`, nodeSelector: { "kubernetes.io/hostname": nodeHostNameLabel }, resources: { requests: res, limits: res } });
        await simClient.create(replicaSets(ns), {
          apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: `rs-${name}` },
          spec: { replicas: 1, selector: { matchLabels: { name } }, template: { metadata: { labels: { name } }, spec: pod.spec } },
        });
        // runPauseRS: wait for the ReplicaSet's available replicas.
        await within(60_000, async () => ((await simClient.get<Obj>({ ...replicaSets(ns), name: `rs-${name}` })).status?.availableReplicas === 1 ? true : undefined), 500);
      }
      // Create a preemptor pod; it must be bound (spec.nodeName set).
      const res = { [fakecpu]: "500" };
      await simClient.create(simPods(ns), pausePod("pod4", { labels: { name: "pod4" }, priorityClassName: "p4", nodeSelector: { "kubernetes.io/hostname": nodeHostNameLabel }, resources: { requests: res, limits: res } }));
      await waitPod(simClient, ns, "pod4", "bound", (p) => !!p.spec.nodeName, 60_000);
      // ReplicaSets {1,2} each have their pod preempted once (2 creations each), ReplicaSet 3 none.
      const expected = [2, 2, 1];
      await within(30_000, async () => {
        for (let i = 0; i < 3; i++) {
          if (podNamesSeen[i]! > expected[i]!) throw new Error(`rs${i + 1} had more than ${expected[i]} pods created: ${podNamesSeen}`);
          if (podNamesSeen[i]! < expected[i]!) return undefined;
        }
        return true;
      }, 500);
      // The state must be stable: no over-preemption.
      await Bun.sleep(5000);
      expect(podNamesSeen).toEqual(expected);
    } finally {
      abort.abort();
      await watching;
      await simClient.delete({ ...R.namespaces, name: ns }).catch(() => {});
      await within(30_000, async () => ((await simClient.list(simPods(ns))).items.length === 0 ? true : undefined), 500).catch(() => {});
      await setExtendedResource(nodeName, fakecpu, undefined);
      for (const [name] of pairs) await simClient.delete({ ...priorityClasses, name }).catch(() => {});
    }
  });

  // ---- NoExecuteTaintManager (taints.go) ---------------------------------------------------------

  /**
   * upstream: a pod tolerating the test's NoExecute taint for 2*5 s runs; its node is tainted; after
   * 5 s the pod is still there; the taint is removed; the pod must then never be evicted (upstream
   * watches 60+3*5 s for the kubelet's deletion delay; here the window is 15 s, past the 10 s the
   * toleration allowed, which is when an uncancelled eviction would happen).
   */
  test("[sig-node] NoExecuteTaintManager Single Pod [Serial] removing taint cancels eviction [Disruptive] [Conformance]: the pod outlives its tolerationSeconds once the taint is gone", async () => {
    const ns = await freshNamespace(simClient, "taint-single-pod", false);
    const podName = "taint-eviction-4";
    const taint = { key: "kubernetes.io/e2e-evict-taint-key", value: "evictTaintVal", effect: "NoExecute" };
    // 1. Run a pod with short toleration.
    await simClient.create(simPods(ns), pausePod(podName, {
      labels: { group: podName },
      tolerations: [{ key: taint.key, operator: "Equal", value: taint.value, effect: "NoExecute", tolerationSeconds: 10 }],
    }));
    const pod = await simRunning(ns, podName);
    const nodeName = pod.spec.nodeName as string;
    const evicted = async () => {
      const p = await getPod(simClient, ns, podName);
      return p === undefined || p.metadata.uid !== pod.metadata.uid || !!p.metadata.deletionTimestamp;
    };
    let taintRemoved = false;
    const removeTaint = () => setNodeTaints(nodeName, (ts) => ts.filter((t) => !(t.key === taint.key && t.effect === taint.effect)));
    try {
      // 2. Taint the node running this pod with a no-execute taint.
      await setNodeTaints(nodeName, (ts) => [...ts, { ...taint, timeAdded: new Date().toISOString().replace(/\.\d+Z$/, "Z") }]);
      expect((await simClient.get<Obj>({ ...R.nodes, name: nodeName })).spec.taints).toContainEqual(expect.objectContaining(taint));
      // 3. Wait some time: the pod is queued for deletion, not evicted yet.
      const shortWait = Date.now() + 5000;
      while (Date.now() < shortWait) {
        expect(await evicted(), "Pod was evicted despite toleration").toBe(false);
        await Bun.sleep(500);
      }
      // 4. Remove the taint.
      await removeTaint();
      taintRemoved = true;
      // 5. Check that the pod won't get evicted.
      const window = Date.now() + 15_000;
      while (Date.now() < window) {
        expect(await evicted(), "Pod was evicted despite the taint's removal").toBe(false);
        await Bun.sleep(500);
      }
    } finally {
      if (!taintRemoved) await removeTaint().catch(() => {});
      await simClient.delete({ ...R.namespaces, name: ns }).catch(() => {});
    }
  }, 120_000);
});
