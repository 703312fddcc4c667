import { expect, test } from "bun:test";
import { parseProcNet, portsInUse } from "./node-ports.ts";

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 0100000A:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
   3: 0100000A:0051 0200000A:C350 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st
   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000
`;

test("listening sockets from /proc/net/tcp{,6}: wildcard and node-IP listeners take a port, loopback ones do not", () => {
  const listeners = [...parseProcNet(TCP, "TCP"), ...parseProcNet(TCP6, "TCP")];
  expect(listeners).toEqual([
    { protocol: "TCP", address: "0.0.0.0", port: 80 },
    { protocol: "TCP", address: "127.0.0.1", port: 8080 },
    { protocol: "TCP", address: "10.0.0.1", port: 443 },
    { protocol: "TCP", address: "::", port: 8081 },
  ]);
  const requested = new Set(["80/TCP", "443/TCP", "8080/TCP", "8081/TCP", "81/TCP", "80/UDP"]);
  expect(portsInUse(listeners, requested, "10.0.0.1")).toEqual(["80/TCP", "443/TCP", "8081/TCP"]);
  expect(portsInUse(listeners, requested, "10.0.0.2")).toEqual(["80/TCP", "8081/TCP"]);
});
