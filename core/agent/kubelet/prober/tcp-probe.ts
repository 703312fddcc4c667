/**
 * The tcpSocket probe (upstream pkg/probe/tcp): success when a TCP connection to host:port opens
 * within the timeout (then it is closed at once); otherwise a failure with Go's dial error text
 * (`dial tcp 10.42.0.5:80: connect: connection refused`, `... i/o timeout`).
 */
import { connect } from "node:net";
import { joinHostPort } from "./container-port.ts";
import type { ProbeOutcome } from "./probe-types.ts";

const DIAL_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connect: connection refused",
  EHOSTUNREACH: "connect: no route to host",
  ENETUNREACH: "connect: network is unreachable",
  ETIMEDOUT: "i/o timeout",
};

export function tcpProbe(host: string, port: number, timeoutSeconds: number): Promise<ProbeOutcome> {
  const addr = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ result: "failure", output: `dial tcp ${addr}: i/o timeout` }), timeoutSeconds * 1000);
    socket.once("connect", () => finish({ result: "success", output: "" }));
    socket.once("error", (err: NodeJS.ErrnoException) => {
      const detail = (err.code && DIAL_ERRORS[err.code]) ?? err.message;
      finish({ result: "failure", output: `dial tcp ${addr}: ${detail}` });
    });
  });
}
