import { expect, test } from "bun:test";
import { createServer, type AddressInfo } from "node:net";
import { tcpProbe } from "./tcp-probe.ts";

test("tcpSocket probe: a listening port succeeds, a closed one fails with Go's dial error", async () => {
  let accepted = 0;
  const server = createServer((s) => { accepted++; s.on("error", () => {}); s.end(); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    expect(await tcpProbe("127.0.0.1", port, 1)).toEqual({ result: "success", output: "" });
    await Bun.sleep(50);
    expect(accepted).toBe(1);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  expect(await tcpProbe("127.0.0.1", port, 1)).toEqual({ result: "failure", output: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
});
