/**
 * The grpc probe (upstream pkg/probe/grpc): `grpc.health.v1.Health/Check` with the probe's
 * service over plaintext HTTP/2 to host:port; connecting and the call share one deadline of
 * timeoutSeconds. SERVING is success; everything else is a failure with upstream's texts.
 * The two tiny messages are encoded by hand (HealthCheckRequest{string service = 1},
 * HealthCheckResponse{ServingStatus status = 1}).
 */
import * as grpc from "@grpc/grpc-js";
import { KUBERNETES_VERSION } from "../../../version.ts";
import { joinHostPort } from "./container-port.ts";
import { rpcErrorText } from "./grpc-status.ts";
import type { ProbeOutcome } from "./probe-types.ts";

const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

function encodeRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const bytes = Buffer.from(service, "utf8");
  return Buffer.concat([Buffer.from([0x0a]), varint(bytes.length), bytes]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}

/** The `status` field of a HealthCheckResponse (0 when absent); other fields are skipped. */
export function decodeServingStatus(buf: Buffer): number {
  let i = 0;
  const readVarint = () => {
    let v = 0, mul = 1;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error("truncated message");
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  let status = 0;
  while (i < buf.length) {
    const key = readVarint();
    const wire = key & 7;
    if (wire === 0) { const v = readVarint(); if (key >> 3 === 1) status = v; }
    else if (wire === 2) { const len = readVarint(); i += len; }
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`bad wire type ${wire}`);
  }
  return status;
}

/** Go's time.Duration String() for whole seconds: 1s, 1m30s, 1h0m0s. */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export async function grpcProbe(host: string, service: string, port: number, timeoutSeconds: number): Promise<ProbeOutcome> {
  const addr = joinHostPort(host, port);
  const within = goDuration(timeoutSeconds);
  const deadline = Date.now() + timeoutSeconds * 1000;
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(), {
    "grpc.primary_user_agent": `kube-probe/${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}`,
  });
  try {
    const connected = await new Promise<boolean>((resolve) => client.waitForReady(deadline, (err) => resolve(!err)));
    if (!connected) return { result: "failure", output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${within}: context deadline exceeded` };
    const reply = await new Promise<{ status: number } | { error: grpc.ServiceError }>((resolve) => {
      client.makeUnaryRequest(
        "/grpc.health.v1.Health/Check", encodeRequest, (b: Buffer) => b, service, new grpc.Metadata(), { deadline },
        (error, value) => {
          if (error) return resolve({ error });
          try { resolve({ status: decodeServingStatus(value ?? Buffer.alloc(0)) }); }
          catch (err) { resolve({ error: Object.assign(new Error((err as Error).message), { code: grpc.status.INTERNAL, details: `grpc: failed to unmarshal the received message: ${(err as Error).message}`, metadata: new grpc.Metadata() }) }); }
        },
      );
    });
    if ("error" in reply) {
      const { code, details } = reply.error;
      if (code === grpc.status.UNIMPLEMENTED) return { result: "failure", output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${details}` };
      if (code === grpc.status.DEADLINE_EXCEEDED) return { result: "failure", output: `timeout: health rpc did not complete within ${within}` };
      return { result: "failure", output: `error: health rpc probe failed: ${rpcErrorText(code, details)}` };
    }
    if (reply.status !== 1) return { result: "failure", output: `service unhealthy (responded with ${JSON.stringify(SERVING_STATUS[reply.status] ?? String(reply.status))})` };
    return { result: "success", output: "service is healthy" };
  } finally {
    client.close();
  }
}
