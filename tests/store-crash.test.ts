/**
 * kill -9 loop against the compiled dist/lite: concurrent HTTPS clients create ConfigMaps and
 * record the ones the server acknowledged (201); the server is SIGKILLed at a random moment and
 * restarted on the same data dir; every acknowledged object must be there. Five rounds.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { scratchDir, startServer, type LiteServer } from "./harness/lite-process.ts";

setDefaultTimeout(120_000);

const scratch = scratchDir("lite-crash-");
let server: LiteServer | undefined;
afterAll(async () => {
  await server?.kill9();
  scratch.cleanup();
});

interface Client { base: string; tls: { ca: string; cert: string; key: string } }

/** Server URL and admin credentials from the kubeconfig the server wrote. */
function clientOf(s: LiteServer): Client {
  const kc = Bun.YAML.parse(readFileSync(s.kubeconfig, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b64 = (v: string) => Buffer.from(v, "base64").toString("utf8");
  const cluster = kc.clusters[0]!.cluster;
  const user = kc.users[0]!.user;
  return { base: cluster.server, tls: { ca: b64(cluster["certificate-authority-data"]), cert: b64(user["client-certificate-data"]), key: b64(user["client-key-data"]) } };
}

const WRITERS = 16;

/** Creates ConfigMaps from WRITERS concurrent loops until `stop`; returns the acknowledged names. */
async function writeUntil(c: Client, round: number, stop: Promise<void>): Promise<string[]> {
  const acked: string[] = [];
  let stopped = false;
  void stop.then(() => { stopped = true; });
  const loop = async (w: number) => {
    for (let i = 0; !stopped; i++) {
      const name = `r${round}-w${w}-${i}`;
      try {
        const res = await fetch(`${c.base}/api/v1/namespaces/default/configmaps`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { round: String(round), writer: String(w) } }),
          tls: c.tls,
        });
        if (res.status === 201) acked.push(name);
        else await res.text();
      } catch {
        return; // the server is gone
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => loop(w)));
  return acked;
}

async function listNames(c: Client): Promise<Set<string>> {
  const res = await fetch(`${c.base}/api/v1/namespaces/default/configmaps`, { tls: c.tls });
  expect(res.status).toBe(200);
  const list = await res.json() as { items: { metadata: { name: string } }[] };
  return new Set(list.items.map((i) => i.metadata.name));
}

test("kill -9 at a random moment loses no acknowledged write (5 rounds)", async () => {
  const everAcked: string[] = [];
  for (let round = 1; round <= 5; round++) {
    server = await startServer([], {}, { dataDir: scratch.dir });
    const c = clientOf(server);
    // Everything acknowledged in earlier rounds survived the previous kill.
    const before = await listNames(c);
    const lost = everAcked.filter((n) => !before.has(n));
    expect({ round, lost }).toEqual({ round, lost: [] });

    const s = server;
    const killAt = 150 + Math.floor(Math.random() * 600);
    const killed = Bun.sleep(killAt).then(() => s.kill9());
    const acked = await writeUntil(c, round, killed);
    await killed;
    expect(acked.length).toBeGreaterThan(0);
    everAcked.push(...acked);
  }
  server = await startServer([], {}, { dataDir: scratch.dir });
  const after = await listNames(clientOf(server));
  expect(everAcked.filter((n) => !after.has(n))).toEqual([]);
  expect(after.size).toBeGreaterThanOrEqual(everAcked.length);
  await server.kill9();
  server = undefined;
});
