import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { createServer, type AddressInfo } from "node:net";
import { decodeServingStatus, goDuration, grpcProbe } from "./grpc-probe.ts";

/** A grpc.health.v1 server on loopback: the status per service name comes from `statuses`. */
const statuses: Record<string, number> = { "": 1, sick: 2, odd: 7 };
const requests: { service: string; userAgent: string }[] = [];
let health: grpc.Server;
let bare: grpc.Server;
let healthPort = 0;
let barePort = 0;

function decodeService(buf: Buffer): string {
  // HealthCheckRequest: field 1 (string); short names only here (one-byte length).
  return buf.length > 2 && buf[0] === 0x0a ? buf.subarray(2, 2 + buf[1]!).toString("utf8") : "";
}

const checkMethod = {
  path: "/grpc.health.v1.Health/Check", requestStream: false, responseStream: false,
  requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
};

async function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
}

beforeAll(async () => {
  health = new grpc.Server();
  health.addService({ Check: checkMethod } as unknown as grpc.ServiceDefinition, {
    Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const service = decodeService(call.request);
      requests.push({ service, userAgent: String(call.metadata.get("user-agent")[0] ?? "") });
      if (service === "hang") return; // never answers
      const status = statuses[service];
      if (status === undefined) return cb({ code: grpc.status.NOT_FOUND, details: "unknown service" });
      cb(null, status === 0 ? Buffer.alloc(0) : Buffer.from([0x08, status]));
    },
  });
  healthPort = await bind(health);
  bare = new grpc.Server();
  barePort = await bind(bare);
});

afterAll(() => {
  health.forceShutdown();
  bare.forceShutdown();
});

describe("grpc probe", () => {
  test("SERVING succeeds; the service name and user agent are sent", async () => {
    expect(await grpcProbe("127.0.0.1", "", healthPort, 2)).toEqual({ result: "success", output: "service is healthy" });
    expect(requests.at(-1)!.service).toBe("");
    expect(requests.at(-1)!.userAgent).toStartWith("kube-probe/1.32");
  });

  test("other statuses fail with upstream's message", async () => {
    expect(await grpcProbe("127.0.0.1", "sick", healthPort, 2)).toEqual({ result: "failure", output: 'service unhealthy (responded with "NOT_SERVING")' });
    expect(requests.at(-1)!.service).toBe("sick");
    expect((await grpcProbe("127.0.0.1", "odd", healthPort, 2)).output).toBe('service unhealthy (responded with "7")');
  });

  test("RPC errors", async () => {
    expect(await grpcProbe("127.0.0.1", "nosuch", healthPort, 2)).toEqual({ result: "failure", output: "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service" });
    const unimplemented = await grpcProbe("127.0.0.1", "", barePort, 2);
    expect(unimplemented.result).toBe("failure");
    expect(unimplemented.output).toStartWith("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ");
    expect(await grpcProbe("127.0.0.1", "hang", healthPort, 1)).toEqual({ result: "failure", output: "timeout: health rpc did not complete within 1s" });
  });

  test("nothing listening: a connect timeout", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    expect(await grpcProbe("127.0.0.1", "", port, 1)).toEqual({
      result: "failure", output: `timeout: failed to connect service "127.0.0.1:${port}" within 1s: context deadline exceeded`,
    });
  });

  test("helpers", () => {
    expect(decodeServingStatus(Buffer.from([0x08, 0x02]))).toBe(2);
    expect(decodeServingStatus(Buffer.from([0x12, 0x01, 0x41, 0x08, 0x01]))).toBe(1); // an unknown field first
    expect(decodeServingStatus(Buffer.alloc(0))).toBe(0);
    expect([1, 59, 60, 90, 3600].map(goDuration)).toEqual(["1s", "59s", "1m0s", "1m30s", "1h0m0s"]);
  });
});
