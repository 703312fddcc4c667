/**
 * The official Python client (Debian's python3-kubernetes, installed by scripts/setup.sh) against
 * the compiled dist/lite: create, a watch (the client sends `watch=True`), patch, delete, a
 * Deployment and its scale subresource, a 404 as an ApiException with the Status reason.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { resolve } from "node:path";
import { startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace } from "./harness/kube.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server?.stop(); });

test("python3-kubernetes: CRUD, a watch with watch=True, the scale subresource, a 404 ApiException", async () => {
  const ns = await freshNamespace(server, "python");
  const script = resolve(import.meta.dir, "fixtures/python-client.py");
  const p = Bun.spawn(["/usr/bin/python3", script, server.kubeconfig, ns], { stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin", HOME: server.dataDir } });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
  const seen = JSON.parse(stdout.trim().split("\n").at(-1)!);
  expect(seen).toEqual({
    created: "py",
    watch: [["MODIFIED", "py", "2"], ["DELETED", "py", "2"]],
    deployment: ["pyd", 2, "RollingUpdate"],
    scale: 3,
    listed: ["pyd"],
    notFound: [404, "NotFound"],
    version: expect.stringMatching(/^v1\.32\.\d+\+lite1$/),
  });
});
