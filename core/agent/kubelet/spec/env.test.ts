import { describe, expect, test } from "bun:test";
import type { KeyValue } from "../../cri/types.ts";
import { resolveEnv, type EnvDeps } from "./env.ts";
import { ContainerConfigError } from "./errors.ts";
import type { ConfigMap, Container, Pod, Secret } from "./types.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function makePod(container: Container, extra: Partial<Pod["spec"]> = {}, meta: Partial<Pod["metadata"]> = {}): Pod {
  return {
    metadata: { name: "web", namespace: "ns1", uid: "u-1", labels: { app: "web", tier: "front" }, annotations: { note: 'say "hi"\n' }, ...meta },
    spec: { containers: [container], nodeName: "node-a", serviceAccountName: "sa1", ...extra },
  };
}

function deps(over: Partial<EnvDeps> & { configMaps?: Record<string, ConfigMap>; secrets?: Record<string, Secret>; services?: KeyValue[] } = {}) {
  const calls = { configMaps: [] as string[], secrets: [] as string[], serviceLinks: [] as boolean[] };
  const d: EnvDeps = {
    getConfigMap: async (ns, name) => { calls.configMaps.push(`${ns}/${name}`); return over.configMaps?.[name]; },
    getSecret: async (ns, name) => { calls.secrets.push(`${ns}/${name}`); return over.secrets?.[name]; },
    serviceEnv: async (_ns, links) => { calls.serviceLinks.push(links); return over.services ?? []; },
    hostIPs: ["10.0.0.5", "fd00::5"],
    podIPs: ["10.42.0.7", "fd42::7"],
    nodeAllocatable: { cpu: "2", memory: "4Gi", "ephemeral-storage": "20Gi" },
    ...over,
  };
  return { d, calls };
}

const asObject = (env: KeyValue[]) => Object.fromEntries(env.map((e) => [e.key, e.value]));
const cm = (name: string, data: Record<string, string>): ConfigMap => ({ metadata: { name, namespace: "ns1" }, data });
const secret = (name: string, data: Record<string, string>): Secret => ({ metadata: { name, namespace: "ns1" }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) });

describe("resolveEnv: precedence and order", () => {
  test("envFrom in order (prefix, later wins), then env overrides, then service vars not already set", async () => {
    const { d } = deps({
      configMaps: { one: cm("one", { A: "cm-a", B: "cm-b", "dotted.key": "kept" }), two: cm("two", { B: "two-b" }) },
      secrets: { s: secret("s", { PASS: "p@ss\u00e9" }) },
      services: [{ key: "FOO_SERVICE_HOST", value: "10.43.0.9" }, { key: "A", value: "svc-a" }],
    });
    const c: Container = {
      name: "c",
      envFrom: [{ configMapRef: { name: "one" } }, { configMapRef: { name: "two" } }, { prefix: "S_", secretRef: { name: "s" } }],
      env: [{ name: "A", value: "env-a" }, { name: "NEW", value: "x" }],
    };
    const env = await resolveEnv(makePod(c), c, d);
    expect(env).toEqual([
      { key: "A", value: "env-a" },
      { key: "B", value: "two-b" },
      { key: "dotted.key", value: "kept" },
      { key: "S_PASS", value: "p@ss\u00e9" },
      { key: "NEW", value: "x" },
      { key: "FOO_SERVICE_HOST", value: "10.43.0.9" },
    ]);
  });

  test("$(VAR) sees envFrom, earlier env and service vars; not later env; $$ escapes", async () => {
    const { d } = deps({ configMaps: { c: cm("c", { HOST: "db" }) }, services: [{ key: "SVC_PORT", value: "5432" }] });
    const c: Container = {
      name: "c",
      envFrom: [{ configMapRef: { name: "c" } }],
      env: [
        { name: "URL", value: "$(HOST):$(SVC_PORT)/$(LATER)" },
        { name: "LATER", value: "late" },
        { name: "COPY", value: "$(URL)+$(LATER)" },
        { name: "ESC", value: "$$(HOST)" },
        { name: "EMPTY", value: "" },
      ],
    };
    const env = asObject(await resolveEnv(makePod(c), c, d));
    expect(env.URL).toBe("db:5432/$(LATER)");
    expect(env.COPY).toBe("db:5432/$(LATER)+late");
    expect(env.ESC).toBe("$(HOST)");
    expect(env.EMPTY).toBe("");
  });

  test("enableServiceLinks is passed through, defaulting to true", async () => {
    const c: Container = { name: "c" };
    const a = deps();
    await resolveEnv(makePod(c), c, a.d);
    const b = deps();
    await resolveEnv(makePod(c, { enableServiceLinks: false }), c, b.d);
    expect([a.calls.serviceLinks, b.calls.serviceLinks]).toEqual([[true], [false]]);
  });

  test("a ConfigMap used several times is fetched once", async () => {
    const { d, calls } = deps({ configMaps: { c: cm("c", { K: "v" }) } });
    const c: Container = { name: "c", envFrom: [{ configMapRef: { name: "c" } }], env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "c", key: "K" } } }] };
    await resolveEnv(makePod(c), c, d);
    expect(calls.configMaps).toEqual(["ns1/c"]);
  });
});

describe("resolveEnv: configMap and secret references", () => {
  const run = (c: Container, over: Parameters<typeof deps>[0] = {}) => resolveEnv(makePod(c), c, deps(over).d);

  test("keyRefs resolve; secrets are decoded", async () => {
    const env = asObject(await run(
      { name: "c", env: [{ name: "C", valueFrom: { configMapKeyRef: { name: "cm", key: "k" } } }, { name: "S", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }] },
      { configMaps: { cm: cm("cm", { k: "from-cm" }) }, secrets: { s: secret("s", { k: "from-secret" }) } },
    ));
    expect(env).toEqual({ C: "from-cm", S: "from-secret" });
  });

  test("missing optional sources and keys leave the variable unset (an envFrom value stays)", async () => {
    const env = asObject(await run(
      {
        name: "c",
        envFrom: [{ configMapRef: { name: "gone", optional: true } }, { secretRef: { name: "gone", optional: true } }, { configMapRef: { name: "base" } }],
        env: [
          { name: "K", valueFrom: { configMapKeyRef: { name: "base", key: "nope", optional: true } } },
          { name: "M", valueFrom: { configMapKeyRef: { name: "gone", key: "k", optional: true } } },
          { name: "N", valueFrom: { secretKeyRef: { name: "gone", key: "k", optional: true } } },
          { name: "O", valueFrom: { secretKeyRef: { name: "sec", key: "nope", optional: true } } },
        ],
      },
      { configMaps: { base: cm("base", { K: "from-envFrom" }) }, secrets: { sec: secret("sec", {}) } },
    ));
    expect(env).toEqual({ K: "from-envFrom" });
  });

  const failures: [string, Container, string][] = [
    ["envFrom configMap", { name: "c", envFrom: [{ configMapRef: { name: "cm" } }] }, 'configmap "cm" not found'],
    ["envFrom secret", { name: "c", envFrom: [{ secretRef: { name: "s" } }] }, 'secret "s" not found'],
    ["configMapKeyRef object", { name: "c", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cm", key: "k" } } }] }, 'configmap "cm" not found'],
    ["secretKeyRef object", { name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }] }, 'secret "s" not found'],
    ["configMapKeyRef key", { name: "c", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "have", key: "k" } } }] }, "couldn't find key k in ConfigMap ns1/have"],
    ["secretKeyRef key", { name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "have", key: "k" } } }] }, "couldn't find key k in Secret ns1/have"],
    ["inherited key names are not keys", { name: "c", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "have", key: "toString" } } }] }, "couldn't find key toString in ConfigMap ns1/have"],
  ];
  for (const [what, c, message] of failures) {
    test(`missing ${what}: CreateContainerConfigError "${message}"`, async () => {
      const err = await run(c, { configMaps: { have: cm("have", {}) }, secrets: { have: secret("have", {}) } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContainerConfigError);
      expect((err as ContainerConfigError).message).toBe(message);
      expect((err as ContainerConfigError).reason).toBe("CreateContainerConfigError");
    });
  }

  test("a failing lookup (not a NotFound) becomes a ContainerConfigError with its message", async () => {
    const c: Container = { name: "c", envFrom: [{ configMapRef: { name: "cm", optional: true } }] };
    const err = await resolveEnv(makePod(c), c, deps({ getConfigMap: async () => { throw new Error("apiserver down"); } }).d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect((err as Error).message).toBe("apiserver down");
  });
});

describe("resolveEnv: fieldRef", () => {
  const field = async (fieldPath: string, apiVersion?: string, meta: Partial<Pod["metadata"]> = {}) => {
    const c: Container = { name: "c", env: [{ name: "V", valueFrom: { fieldRef: { fieldPath, apiVersion } } }] };
    return (await resolveEnv(makePod(c, {}, meta), c, deps().d))[0]!.value;
  };
  const cases: [string, string][] = [
    ["metadata.name", "web"],
    ["metadata.namespace", "ns1"],
    ["metadata.uid", "u-1"],
    ["metadata.labels['app']", "web"],
    ["metadata.labels['missing']", ""],
    ["metadata.annotations['note']", 'say "hi"\n'],
    ["metadata.labels", 'app="web"\ntier="front"'],
    ["metadata.annotations", 'note="say \\"hi\\"\\n"'],
    ["spec.nodeName", "node-a"],
    ["spec.host", "node-a"],
    ["spec.serviceAccountName", "sa1"],
    ["status.hostIP", "10.0.0.5"],
    ["status.hostIPs", "10.0.0.5,fd00::5"],
    ["status.podIP", "10.42.0.7"],
    ["status.podIPs", "10.42.0.7,fd42::7"],
  ];
  for (const [path, want] of cases) test(path, async () => expect(await field(path, "v1")).toBe(want));

  test("apiVersion defaults to v1", async () => expect(await field("metadata.name")).toBe("web"));
  test("annotation keys with a prefix", async () => {
    expect(await field("metadata.annotations['example.com/Key']", "v1", { annotations: { "example.com/Key": "v" } })).toBe("v");
  });

  const errors: [string, string | undefined, string][] = [
    ["spec.restartPolicy", "v1", "unsupported fieldPath: spec.restartPolicy"],
    ["status.phase", "v1", "unsupported fieldPath: status.phase"],
    ["spec.containers", "v1", "field label not supported: spec.containers"],
    ["spec.nodeName['x']", "v1", "field label does not support subscript: spec.nodeName['x']"],
    ["metadata.name", "v2", "unsupported pod version: v2"],
  ];
  for (const [path, version, message] of errors) {
    test(`error: ${path} (${version})`, async () => {
      const err = await field(path, version).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContainerConfigError);
      expect((err as Error).message).toBe(message);
    });
  }
  test("error: invalid label subscript", async () => {
    const err = await field("metadata.labels['bad key']", "v1").catch((e: unknown) => e);
    expect((err as Error).message).toStartWith("invalid key subscript in metadata.labels['bad key']: ");
  });
});

describe("resolveEnv: resourceFieldRef", () => {
  const resources = { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "1500m", memory: "128Mi" } };
  const value = async (resource: string, divisor?: string, c: Partial<Container> = { resources }, containerName?: string, others: Container[] = []) => {
    const container: Container = { name: "c", ...c, env: [{ name: "V", valueFrom: { resourceFieldRef: { resource, divisor, containerName } } }] };
    const pod = makePod(container);
    pod.spec.containers.push(...others.filter((o) => !o.restartPolicy));
    pod.spec.initContainers = others.filter((o) => o.restartPolicy);
    return (await resolveEnv(pod, container, deps().d))[0]!.value;
  };
  const cases: [string, string | undefined, string][] = [
    ["limits.cpu", undefined, "2"], // ceil(1.5)
    ["limits.cpu", "1m", "1500"],
    ["limits.cpu", "100m", "15"],
    ["requests.cpu", "1m", "250"],
    ["requests.cpu", undefined, "1"],
    ["limits.memory", undefined, "134217728"],
    ["limits.memory", "1Mi", "128"],
    ["limits.memory", "1M", "135"], // ceil(134.217728)
    ["requests.memory", "1Mi", "64"],
    ["limits.cpu", "0", "2"], // a zero divisor counts as 1
  ];
  for (const [resource, divisor, want] of cases) test(`${resource} / ${divisor ?? "1"}`, async () => expect(await value(resource, divisor)).toBe(want));

  test("no limit: the node's allocatable", async () => {
    expect(await value("limits.cpu", "1m", {})).toBe("2000");
    expect(await value("limits.memory", "1Gi", {})).toBe("4");
    expect(await value("limits.ephemeral-storage", "1Gi", {})).toBe("20");
    expect(await value("limits.memory", "1Gi", { resources: { limits: { memory: "0" } } })).toBe("4");
  });
  test("no request: 0", async () => expect(await value("requests.memory", undefined, {})).toBe("0"));
  test("another container by name: app containers get defaults, init containers do not", async () => {
    const other: Container = { name: "side", resources: { limits: { memory: "1Gi" } } };
    expect(await value("limits.memory", "1Mi", {}, "side", [other])).toBe("1024");
    expect(await value("limits.cpu", "1m", {}, "side", [other])).toBe("2000");
    const init: Container = { name: "init", restartPolicy: "Always", resources: {} };
    expect(await value("limits.cpu", "1m", {}, "init", [init])).toBe("0");
  });
  test("errors", async () => {
    expect(((await value("limits.cpu", undefined, {}, "ghost").catch((e: unknown) => e)) as Error).message).toBe("container ghost not found");
    expect(((await value("limits.pods").catch((e: unknown) => e)) as Error).message).toBe("unsupported container resource : limits.pods");
  });
});
