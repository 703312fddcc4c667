import { describe, expect, test } from "bun:test";
import { createStructureValidator, strictDecodingMessage, validateStructure } from "./validate.ts";

const DEPLOY = { group: "apps", version: "v1", kind: "Deployment" };
const POD = { group: "", version: "v1", kind: "Pod" };

const deployment = () => ({
  apiVersion: "apps/v1", kind: "Deployment",
  metadata: { name: "web", namespace: "default", labels: { app: "web" }, annotations: { a: "b" } },
  spec: {
    replicas: 3, revisionHistoryLimit: 5,
    selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["fe"] }] },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [{
          name: "nginx", image: "nginx:1.27", imagePullPolicy: "IfNotPresent",
          ports: [{ containerPort: 80, name: "http", protocol: "TCP" }],
          env: [{ name: "A", value: "1" }, { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: 1 } },
          livenessProbe: { httpGet: { path: "/", port: "http" }, initialDelaySeconds: 3 },
          readinessProbe: { exec: { command: ["true"] } },
          volumeMounts: [{ name: "data", mountPath: "/data", readOnly: true }],
          securityContext: { runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
        }],
        volumes: [
          { name: "data", persistentVolumeClaim: { claimName: "pvc" } },
          { name: "cfg", configMap: { name: "cfg", items: [{ key: "k", path: "p" }], defaultMode: 420 } },
          { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
        ],
        affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } } }] } },
        tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 30 }],
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" }],
        securityContext: { fsGroup: 2000, sysctls: [{ name: "net.ipv4.ip_forward", value: "1" }] },
        dnsConfig: { nameservers: ["1.1.1.1"], options: [{ name: "ndots", value: "2" }] },
        terminationGracePeriodSeconds: 30, nodeSelector: { disk: "ssd" }, hostAliases: [{ ip: "10.0.0.1", hostnames: ["a"] }],
      },
    },
  },
  status: {},
});

describe("validateStructure", () => {
  test("a realistic Deployment passes unchanged", () => {
    const obj = deployment();
    const r = validateStructure(DEPLOY, obj, "Strict");
    expect(r.known).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.value).toEqual(obj);
  });

  test("a Pod with init and ephemeral containers, projected volume and status passes", () => {
    const pod = {
      apiVersion: "v1", kind: "Pod", metadata: { name: "p", creationTimestamp: null, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u", controller: true }] },
      spec: {
        initContainers: [{ name: "init", image: "busybox", command: ["sh", "-c", "true"] }],
        containers: [{ name: "c", image: "x", lifecycle: { preStop: { sleep: { seconds: 5 } } }, startupProbe: { grpc: { port: 9000 } } }],
        ephemeralContainers: [{ name: "dbg", image: "busybox", targetContainerName: "c" }],
        volumes: [{ name: "tok", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }, { downwardAPI: { items: [{ path: "l", fieldRef: { fieldPath: "metadata.labels" } }] } }] } }],
        readinessGates: [{ conditionType: "x" }], schedulingGates: [{ name: "g" }], os: { name: "linux" }, overhead: { cpu: "10m" },
        resourceClaims: [{ name: "gpu", resourceClaimName: "claim" }],
      },
      status: {
        phase: "Running", podIP: "10.42.0.5", podIPs: [{ ip: "10.42.0.5" }], startTime: "2025-01-01T00:00:00Z",
        conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z" }],
        containerStatuses: [{ name: "c", ready: true, restartCount: 0, image: "x", imageID: "sha", state: { running: { startedAt: "2025-01-01T00:00:01Z" } } }],
      },
    };
    const r = validateStructure(POD, pod, "Strict");
    expect(r.errors).toEqual([]);
  });

  test("unknown fields at several depths are reported with JSON paths (Strict)", () => {
    const obj = deployment() as any;
    obj.spec.foo = 1;
    obj.metadata.bogus = "x";
    obj.spec.template.spec.containers[0].ports[0].hostPortz = 1;
    obj.spec.template.spec.volumes[1].configMap.items[0].extra = true;
    obj.extraTop = {};
    const r = validateStructure(DEPLOY, obj, "Strict");
    const paths = r.errors.map((e) => e.path).sort();
    expect(paths).toEqual([
      "extraTop", "metadata.bogus", "spec.foo",
      "spec.template.spec.containers[0].ports[0].hostPortz",
      "spec.template.spec.volumes[1].configMap.items[0].extra",
    ]);
    expect(r.errors.find((e) => e.path === "spec.foo")!.message).toBe('unknown field "spec.foo"');
    expect(strictDecodingMessage(r.errors.filter((e) => e.path === "spec.foo"))).toBe('strict decoding error: unknown field "spec.foo"');
    // The value has the unknown fields removed; the input is untouched.
    expect((r.value as any).spec.foo).toBeUndefined();
    expect((r.value as any).spec.template.spec.containers[0].ports[0]).toEqual({ containerPort: 80, name: "http", protocol: "TCP" });
    expect(obj.spec.foo).toBe(1);
  });

  test("Warn turns unknown fields into warnings; Ignore drops them silently", () => {
    const obj = deployment() as any;
    obj.spec.foo = 1;
    obj.spec.template.spec.containers[0].bar = 2;
    const warn = validateStructure(DEPLOY, obj, "Warn");
    expect(warn.errors).toEqual([]);
    expect([...warn.warnings].sort()).toEqual(['unknown field "spec.foo"', 'unknown field "spec.template.spec.containers[0].bar"']);
    const ignore = validateStructure(DEPLOY, obj, "Ignore");
    expect(ignore.errors).toEqual([]);
    expect(ignore.warnings).toEqual([]);
    expect((ignore.value as any).spec.template.spec.containers[0].bar).toBeUndefined();
  });

  test("wrong types are errors with paths in every mode", () => {
    const obj = deployment() as any;
    obj.spec.replicas = "3";
    obj.spec.template.spec.containers[0].ports[0].containerPort = 80.5;
    obj.spec.template.spec.containers[0].args = "not-a-list";
    obj.metadata.labels = { app: 7 };
    obj.spec.paused = "yes";
    for (const mode of ["Strict", "Warn", "Ignore"] as const) {
      const r = validateStructure(DEPLOY, obj, mode);
      expect(r.errors.map((e) => e.path).sort()).toEqual([
        "metadata.labels.app", "spec.paused", "spec.replicas",
        "spec.template.spec.containers[0].args", "spec.template.spec.containers[0].ports[0].containerPort",
      ]);
    }
  });

  test("IntOrString, Quantity, bytes and null are typed as upstream decodes them", () => {
    const v = createStructureValidator();
    const svc = (targetPort: unknown) => ({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort }], clusterIP: null } });
    expect(v.validate({ group: "", version: "v1", kind: "Service" }, svc(8080), "Strict").errors).toEqual([]);
    expect(v.validate({ group: "", version: "v1", kind: "Service" }, svc("http"), "Strict").errors).toEqual([]);
    expect(v.validate({ group: "", version: "v1", kind: "Service" }, svc(true), "Strict").errors.map((e) => e.path)).toEqual(["spec.ports[0].targetPort"]);
    const secret = (data: unknown) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data });
    expect(v.validate({ group: "", version: "v1", kind: "Secret" }, secret({ k: "dg==" }), "Strict").errors).toEqual([]);
    expect(v.validate({ group: "", version: "v1", kind: "Secret" }, secret({ k: "not base64!" }), "Strict").errors.map((e) => e.path)).toEqual(["data.k"]);
  });

  test("DeleteOptions and Status resolve in any group-version; unknown kinds are not checked", () => {
    expect(validateStructure({ group: "apps", version: "v1", kind: "DeleteOptions" }, { kind: "DeleteOptions", apiVersion: "apps/v1", propagationPolicy: "Foreground", zzz: 1 }, "Strict").errors.map((e) => e.path)).toEqual(["zzz"]);
    const r = validateStructure({ group: "example.com", version: "v1", kind: "Widget" }, { spec: { anything: 1 } }, "Strict");
    expect(r.known).toBe(false);
    expect(r.errors).toEqual([]);
  });

  test("schemaFor exposes the valibot schema of a kind", () => {
    const v = createStructureValidator();
    expect(v.schemaFor(DEPLOY)).toBeDefined();
    expect(v.schemaFor({ group: "x", version: "v1", kind: "Nope" })).toBeUndefined();
  });
});
