/**
 * The client's own behaviour (endpoint forms, deadlines, error mapping, request/response
 * mapping) against an in-process gRPC server speaking cri.proto on a unix socket: a runtime
 * cannot be made to hang or fail on demand. client-containerd.test.ts covers the real runtime.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as grpc from "@grpc/grpc-js";
import { createCriClient, criTarget } from "./client.ts";
import { criMethod, type CriService } from "./codec.ts";
import { CriError, GrpcCode } from "./types.ts";

type Handler = (req: any) => Promise<object> | object;

const dir = mkdtempSync(`${tmpdir()}/lite-cri-client-`);
const socket = `${dir}/cri.sock`;
const server = new grpc.Server();
const seen: { method: string; req: any }[] = [];

/** Registers `handlers` as the implementation of `service` (only the listed methods). */
function serve(service: CriService, handlers: Record<string, Handler>) {
  const definition: Record<string, grpc.MethodDefinition<any, object>> = {};
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const m = criMethod(service, name);
    definition[name] = {
      path: m.path,
      requestStream: false,
      responseStream: false,
      requestSerialize: m.encodeRequest,
      requestDeserialize: m.decodeRequest,
      responseSerialize: m.encodeResponse,
      responseDeserialize: (bytes: Buffer) => m.decodeResponse(bytes) as object,
    };
    impl[name] = (call: grpc.ServerUnaryCall<any, object>, cb: grpc.sendUnaryData<object>) => {
      seen.push({ method: name, req: call.request });
      Promise.resolve().then(() => handler(call.request)).then((res) => cb(null, res), (err) => cb(err));
    };
  }
  server.addService(definition, impl);
}

serve("RuntimeService", {
  Version: () => ({ version: "0.1.0", runtimeName: "fake", runtimeVersion: "9.9", runtimeApiVersion: "v1" }),
  Status: () => ({ status: { conditions: [{ type: "RuntimeReady", status: true }] } }),
  RunPodSandbox: () => ({ podSandboxId: "sb-1" }),
  ContainerStatus: (req) => {
    throw Object.assign(new Error(), { code: grpc.status.NOT_FOUND, details: `container "${req.containerId}" not found` });
  },
  ExecSync: async (req) => {
    await Bun.sleep(Number(req.cmd[0]));
    return { stdout: new TextEncoder().encode("out"), exitCode: 4 };
  },
  StopContainer: async (req) => {
    await Bun.sleep(req.timeout * 1000 + 100);
    return {};
  },
  ReopenContainerLog: async () => {
    await Bun.sleep(500);
    return {};
  },
  Exec: (req) => ({ url: `http://127.0.0.1:1/exec/${req.cmd.join("_")}` }),
});
serve("ImageService", {
  ImageStatus: (req) => (req.image.image === "present" ? { image: { id: "sha256:1", repoTags: ["present"], size: 2 ** 40 } } : {}),
  PullImage: async () => {
    await Bun.sleep(400);
    return { imageRef: "sha256:2" };
  },
});

beforeAll(async () => {
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe("createCriClient", () => {
  test("a bare path and a unix:// URL name the same socket", async () => {
    expect(criTarget("/run/x.sock")).toBe("unix:///run/x.sock");
    expect(criTarget("unix:///run/x.sock")).toBe("unix:///run/x.sock");
    for (const endpoint of [socket, `unix://${socket}`]) {
      const c = createCriClient(endpoint);
      try {
        expect(c.endpoint).toBe(endpoint);
        expect(await c.version()).toEqual({ version: "0.1.0", runtimeName: "fake", runtimeVersion: "9.9", runtimeApiVersion: "v1" });
      } finally {
        c.close();
      }
    }
    expect(seen.find((s) => s.method === "Version")?.req).toEqual({ version: "v1" });
  });

  test("requests and answers map to the types.ts shapes", async () => {
    const c = createCriClient(socket);
    try {
      expect(await c.status()).toEqual({ conditions: [{ type: "RuntimeReady", status: true, reason: "", message: "" }] });
      const config = { metadata: { name: "p", uid: "u", namespace: "n", attempt: 1 }, labels: { a: "b" } };
      expect(await c.runPodSandbox(config)).toBe("sb-1");
      expect(seen.at(-1)?.req).toMatchObject({ config, runtimeHandler: "" });
      expect(await c.exec({ containerId: "c", cmd: ["ls", "-l"], tty: false, stdin: true, stdout: true, stderr: false })).toBe("http://127.0.0.1:1/exec/ls_-l");
      expect(seen.at(-1)?.req).toMatchObject({ containerId: "c", stdin: true, stdout: true, tty: false });
      expect(await c.imageStatus("present")).toMatchObject({ id: "sha256:1", repoTags: ["present"], size: 2 ** 40, repoDigests: [] });
      expect(await c.imageStatus("absent")).toBeUndefined();
    } finally {
      c.close();
    }
  });

  test("a runtime error becomes CriError(method, code, the runtime's words)", async () => {
    const c = createCriClient(socket);
    try {
      const err = await c.containerStatus("abc").catch((e) => e);
      expect(err).toBeInstanceOf(CriError);
      expect(err).toMatchObject({ method: "ContainerStatus", code: GrpcCode.NOT_FOUND, details: 'container "abc" not found' });
      expect(err.message).toBe('ContainerStatus: container "abc" not found');
    } finally {
      c.close();
    }
  });

  test("no runtime on the socket: UNAVAILABLE at once, not a hang", async () => {
    const c = createCriClient(`${dir}/absent.sock`);
    try {
      const t0 = performance.now();
      const err = await c.version().catch((e) => e);
      expect(err).toBeInstanceOf(CriError);
      expect(err.code).toBe(GrpcCode.UNAVAILABLE);
      expect(performance.now() - t0).toBeLessThan(2_000);
    } finally {
      c.close();
    }
  });

  test("deadlines: timeoutMs for most calls, pullTimeoutMs for pulls", async () => {
    const c = createCriClient(socket, { timeoutMs: 200, pullTimeoutMs: 1_000 });
    try {
      // ExecSync with no timeout of its own has no deadline.
      expect((await c.execSync("c", ["300"], 0)).exitCode).toBe(4);
      expect(await c.pullImage("x")).toBe("sha256:2");
      const short = createCriClient(socket, { timeoutMs: 200, pullTimeoutMs: 100 });
      try {
        expect(await short.pullImage("x").catch((e) => e.code)).toBe(GrpcCode.DEADLINE_EXCEEDED);
      } finally {
        short.close();
      }
    } finally {
      c.close();
    }
  });

  test("timeoutMs bounds ordinary calls; ExecSync and StopContainer get their own timeout on top", async () => {
    const c = createCriClient(socket, { timeoutMs: 300 });
    try {
      // ReopenContainerLog answers after 500 ms: past the 300 ms deadline.
      const late = await c.reopenContainerLog("c").catch((e) => e);
      expect(late).toMatchObject({ method: "ReopenContainerLog", code: GrpcCode.DEADLINE_EXCEEDED });
      // ExecSync timeout 1 s: 1.3 s allowed, a 600 ms answer is in time.
      const res = await c.execSync("c", ["600"], 1);
      expect(new TextDecoder().decode(res.stdout)).toBe("out");
      expect(res.stderr).toBeInstanceOf(Uint8Array);
      // StopContainer timeout 1 s: the runtime's 1.1 s grace wait is in time.
      await c.stopContainer("c", 1);
    } finally {
      c.close();
    }
  });

  test("close(): later calls reject", async () => {
    const c = createCriClient(socket);
    expect((await c.version()).runtimeName).toBe("fake");
    c.close();
    expect(await c.version().catch((e) => e)).toBeInstanceOf(CriError);
  });
});
