/**
 * Server-side Tables through the real kubectl 1.32 against dist/lite (control plane only): the
 * header lines of `kubectl get` for storage, autoscaling, ingress and discovery kinds are
 * upstream's, `-o wide` adds the priority-1 columns, and a few cells read as upstream prints them.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok } from "./harness/kube.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
let ns: string;
beforeAll(async () => {
  server = await startServer();
  ns = await freshNamespace(server, "tables");
  const docs = [
    { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: `${ns}-sc` }, provisioner: "example.com/none", reclaimPolicy: "Retain", allowVolumeExpansion: true },
    { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: `${ns}-pv` }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce", "ReadWriteMany"], persistentVolumeReclaimPolicy: "Retain", storageClassName: `${ns}-sc`, hostPath: { path: "/tmp/x" } } },
    { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: ns }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: `${ns}-sc`, resources: { requests: { storage: "1Gi" } } } },
    { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "web", namespace: ns }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 5, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] } },
    { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "web", namespace: ns }, spec: { rules: [{ host: "web.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }] } },
    { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "web-1", namespace: ns }, addressType: "IPv4", ports: [{ name: "http", port: 8080, protocol: "TCP" }], endpoints: [{ addresses: ["10.42.0.9"] }] },
  ];
  ok(await kubectl(server, ["apply", "-f", "-"], { stdin: JSON.stringify({ apiVersion: "v1", kind: "List", items: docs }) }));
});
afterAll(async () => { await server?.stop(); });

/** The column names of every header line (kubectl separates columns by at least 3 spaces). */
function headers(out: string): string[][] {
  return out.split("\n").filter((l) => l.startsWith("NAME ")).map((l) => l.trim().split(/\s{2,}/));
}

function row(out: string, name: string): string[] {
  const line = out.split("\n").find((l) => l.split(/\s{2,}/)[0]?.endsWith(name));
  if (!line) throw new Error(`no row ${name} in:\n${out}`);
  return line.trim().split(/\s{2,}/);
}

test("kubectl get pv,pvc,sc,hpa,ingress,endpointslices prints upstream's header lines", async () => {
  const out = ok(await kubectl(server, ["get", "-n", ns, "pv,pvc,sc,hpa,ingress,endpointslices"]));
  expect(headers(out)).toEqual([
    ["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"],
    ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"],
    ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"],
    ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"],
    ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
    ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
  ]);
  expect(row(out, `persistentvolume/${ns}-pv`).slice(1, 4)).toEqual(["1Gi", "RWO,RWX", "Retain"]);
  expect(row(out, `storageclass.storage.k8s.io/${ns}-sc`).slice(1, 5)).toEqual(["example.com/none", "Retain", "Immediate", "true"]);
  // minReplicas defaulted to 1 by the API server; no status yet.
  expect(row(out, "horizontalpodautoscaler.autoscaling/web").slice(1, 6)).toEqual(["Deployment/web", "cpu: <unknown>/50%", "1", "5", "0"]);
  expect(row(out, "ingress.networking.k8s.io/web").slice(1, 3)).toEqual(["<none>", "web.example"]);
  expect(row(out, "endpointslice.discovery.k8s.io/web-1").slice(1, 4)).toEqual(["IPv4", "8080", "10.42.0.9"]);
});

test("-o wide adds VOLUMEMODE to pv and pvc", async () => {
  const out = ok(await kubectl(server, ["get", "-n", ns, "pv,pvc", "-o", "wide"]));
  const [pv, pvc] = headers(out);
  expect(pv?.at(-1)).toBe("VOLUMEMODE");
  expect(pvc).toEqual(["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE", "VOLUMEMODE"]);
});

test("autoscaling/v1 HPAs print the same TARGETS", async () => {
  const out = ok(await kubectl(server, ["get", "-n", ns, "horizontalpodautoscalers.v1.autoscaling", "web"]));
  expect(row(out, "web").slice(1, 4)).toEqual(["Deployment/web", "cpu: <unknown>/50%", "1"]);
});

test("[sig-api-machinery] API priority and fairness should support FlowSchema API operations [Conformance]: kubectl get flowschemas,prioritylevelconfigurations,apiservices prints upstream's columns and the bootstrap objects", async () => {
  const fs = ok(await kubectl(server, ["get", "flowschemas"]));
  expect(headers(fs)[0]).toEqual(["NAME", "PRIORITYLEVEL", "MATCHINGPRECEDENCE", "DISTINGUISHERMETHOD", "AGE", "MISSINGPL"]);
  // Ordered by matching precedence: exempt (1) first, catch-all (10000) last.
  const names = fs.split("\n").slice(1).filter(Boolean).map((l) => l.split(/\s+/)[0]);
  expect(names[0]).toBe("exempt");
  expect(names.at(-1)).toBe("catch-all");
  expect(row(fs, "catch-all").slice(0, 4)).toEqual(["catch-all", "catch-all", "10000", "ByUser"]);
  const pl = ok(await kubectl(server, ["get", "prioritylevelconfigurations"]));
  expect(headers(pl)[0]).toEqual(["NAME", "TYPE", "NOMINALCONCURRENCYSHARES", "QUEUES", "HANDSIZE", "QUEUELENGTHLIMIT", "AGE"]);
  expect(row(pl, "exempt").slice(0, 6)).toEqual(["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>"]);
  const api = ok(await kubectl(server, ["get", "apiservices"]));
  expect(headers(api)[0]).toEqual(["NAME", "SERVICE", "AVAILABLE", "AGE"]);
  expect(row(api, "v1.apps").slice(0, 3)).toEqual(["v1.apps", "Local", "True"]);
  expect(row(api, "v1.flowcontrol.apiserver.k8s.io").slice(0, 3)).toEqual(["v1.flowcontrol.apiserver.k8s.io", "Local", "True"]);
});
