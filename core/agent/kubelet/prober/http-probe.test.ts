import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import type { ContainerSpec } from "../pod-types.ts";
import { buildHttpGetRequest, hostPortOf } from "./http-get.ts";
import { httpProbe } from "./http-probe.ts";
import type { HTTPGetAction } from "./probe-types.ts";

interface Seen { path: string; headers: Headers }
const seen: Seen[] = [];
let server: ReturnType<typeof Bun.serve>;
let tlsServer: ReturnType<typeof Bun.serve>;
let hang: Server;
const hangSockets: Socket[] = [];
let tlsDir: string;

function route(req: Request): Response | Promise<Response> {
  const url = new URL(req.url);
  seen.push({ path: url.pathname + url.search, headers: req.headers });
  const port = server.port!;
  switch (url.pathname) {
    case "/ok": return new Response("fine");
    case "/fail": return new Response("secret body", { status: 500 });
    case "/hop": return new Response(null, { status: 302, headers: { location: "/ok" } });
    case "/abs-hop": return new Response(null, { status: 301, headers: { location: `http://127.0.0.1:${port}/ok` } });
    case "/elsewhere": return new Response("moved", { status: 302, headers: { location: `http://localhost:${port}/ok` } });
    case "/loop": return new Response(null, { status: 302, headers: { location: "/loop" } });
    case "/big": return new Response("x".repeat(50_000));
    case "/slow": return new Promise((resolve) => setTimeout(() => resolve(new Response("late")), 3_000));
    default: return new Response("nope", { status: 404 });
  }
}

beforeAll(async () => {
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: route });
  tlsDir = mkdtempSync(`${tmpdir()}/lite-probe-tls-`);
  const gen = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=probe-test",
    "-keyout", `${tlsDir}/key.pem`, "-out", `${tlsDir}/cert.pem`], { stderr: "pipe" });
  if (gen.exitCode !== 0) throw new Error(gen.stderr.toString());
  tlsServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: route, tls: { cert: readFileSync(`${tlsDir}/cert.pem`, "utf8"), key: readFileSync(`${tlsDir}/key.pem`, "utf8") } });
  hang = createServer((s) => { hangSockets.push(s); s.on("error", () => {}); });
  await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
});

afterAll(() => {
  server.stop(true);
  tlsServer.stop(true);
  for (const s of hangSockets) s.destroy();
  hang.close();
  rmSync(tlsDir, { recursive: true, force: true });
});

const container: ContainerSpec = { name: "app", ports: [{ name: "http", containerPort: 0 }] };
const probeAt = (action: Partial<HTTPGetAction>, timeoutSeconds = 1, port = server.port!) =>
  httpProbe(buildHttpGetRequest({ port, host: "127.0.0.1", ...action }, container, "", "probe"), timeoutSeconds);

describe("httpGet probe", () => {
  test("2xx succeeds with the body as output; headers as upstream", async () => {
    seen.length = 0;
    expect(await probeAt({ path: "/ok?x=1" })).toEqual({ result: "success", output: "fine" });
    const req = seen[0]!;
    expect(req.path).toBe("/ok?x=1");
    expect(req.headers.get("user-agent")).toBe("kube-probe/1.32");
    expect(req.headers.get("accept")).toBe("*/*");
    expect(req.headers.get("accept-encoding")).toBeNull();
  });

  test("httpHeaders are sent, Host and User-Agent overridable", async () => {
    seen.length = 0;
    const httpHeaders = [{ name: "x-custom", value: "a" }, { name: "Host", value: "example.test" }, { name: "user-agent", value: "mine" }];
    expect((await probeAt({ path: "/ok", httpHeaders })).result).toBe("success");
    const h = seen[0]!.headers;
    expect(h.get("x-custom")).toBe("a");
    expect(h.get("host")).toBe("example.test");
    expect(h.get("user-agent")).toBe("mine");
  });

  test("the port may name a container port", async () => {
    const named: ContainerSpec = { name: "app", ports: [{ name: "web", containerPort: server.port! }] };
    const out = await httpProbe(buildHttpGetRequest({ port: "web", host: "127.0.0.1", path: "/ok" }, named, "", "probe"), 1);
    expect(out.result).toBe("success");
    expect(() => buildHttpGetRequest({ port: "nosuch", path: "/" }, named, "127.0.0.1", "probe")).toThrow('strconv.Atoi: parsing "nosuch": invalid syntax');
    expect(() => buildHttpGetRequest({ port: 70000, path: "/" }, named, "127.0.0.1", "probe")).toThrow("invalid port number: 70000");
  });

  test("the host defaults to the pod IP", () => {
    const req = buildHttpGetRequest({ port: 8080, path: "/healthz" }, container, "10.42.0.5", "probe");
    expect(req.url.href).toBe("http://10.42.0.5:8080/healthz");
    const v6 = buildHttpGetRequest({ port: 8080, path: "healthz", scheme: "HTTPS" }, container, "fd00::5", "lifecycle");
    expect(v6.url.href).toBe("https://[fd00::5]:8080/healthz");
    expect(v6.headers).toContainEqual(["User-Agent", "kube-lifecycle/1.32"]);
    // Go's texts always carry the port, default ones included.
    expect(hostPortOf(buildHttpGetRequest({ port: 80, path: "/" }, container, "10.42.0.5", "probe").url)).toBe("10.42.0.5:80");
    expect(hostPortOf(buildHttpGetRequest({ port: 443, path: "/", scheme: "HTTPS" }, container, "fd00::5", "probe").url)).toBe("[fd00::5]:443");
  });

  test("a status >= 400 fails without the body", async () => {
    expect(await probeAt({ path: "/fail" })).toEqual({ result: "failure", output: "HTTP probe failed with statuscode: 500" });
    expect(await probeAt({ path: "/missing" })).toEqual({ result: "failure", output: "HTTP probe failed with statuscode: 404" });
  });

  test("redirects on the same host are followed, keeping a custom Host only through relative ones", async () => {
    seen.length = 0;
    const httpHeaders = [{ name: "Host", value: "example.test" }];
    expect((await probeAt({ path: "/hop", httpHeaders })).result).toBe("success");
    expect(seen.map((s) => s.path)).toEqual(["/hop", "/ok"]);
    expect(seen[1]!.headers.get("host")).toBe("example.test");
    seen.length = 0;
    expect((await probeAt({ path: "/abs-hop", httpHeaders })).result).toBe("success");
    expect(seen[1]!.headers.get("host")).toBe(`127.0.0.1:${server.port}`);
  });

  test("a redirect to another host is not followed: success with a warning", async () => {
    seen.length = 0;
    expect(await probeAt({ path: "/elsewhere" })).toEqual({ result: "warning", output: "Probe terminated redirects, Response body: moved" });
    expect(seen).toHaveLength(1);
  });

  test("a redirect loop stops after 10 requests", async () => {
    seen.length = 0;
    const out = await probeAt({ path: "/loop" });
    expect(out).toEqual({ result: "failure", output: `Get "http://127.0.0.1:${server.port}/loop": stopped after 10 redirects` });
    expect(seen).toHaveLength(10);
  });

  test("at most 10 KiB of the body is kept", async () => {
    const out = await probeAt({ path: "/big" });
    expect(out.result).toBe("success");
    expect(out.output.length).toBe(10 * 1024);
  });

  test("connection refused and timeouts fail with Go's texts", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await probeAt({ path: "/healthz" }, 1, port)).toEqual({
      result: "failure", output: `Get "http://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
    const hangPort = (hang.address() as AddressInfo).port;
    const started = Date.now();
    expect(await probeAt({ path: "/" }, 1, hangPort)).toEqual({
      result: "failure", output: `Get "http://127.0.0.1:${hangPort}/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect((await probeAt({ path: "/slow" })).output).toContain("Client.Timeout exceeded");
  });

  test("HTTPS does not verify the certificate", async () => {
    expect(await probeAt({ path: "/ok", scheme: "HTTPS" }, 2, tlsServer.port)).toEqual({ result: "success", output: "fine" });
  });
});
