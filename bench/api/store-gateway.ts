/**
 * lite's SQLite store behind a minimal imitation of etcd's JSON gRPC gateway, so that etcd-bench.ts
 * can drive both with the same client over the same transport (plain HTTP/1.1 on loopback, JSON,
 * base64 keys and values). Run by etcd-bench.ts, not by hand:
 *
 *   bun bench/api/store-gateway.ts <db-file>
 *
 * Prints `PORT <n>` once listening (127.0.0.1, OS-assigned port). Serves:
 *   POST /v3/kv/put   {key, value}              create, or update at the current revision (a put)
 *   POST /v3/kv/range {key, range_end?, limit?}  one key, or the keys in [key, range_end) as a prefix
 * Stops on SIGTERM (closes the store).
 */
import { openSqliteStore } from "../../core/store/sqlite.ts";
import { KeyExistsError, type KeyValue } from "../../core/store/types.ts";

const file = process.argv[2];
if (!file) throw new Error("usage: store-gateway.ts <db-file>");
const store = await openSqliteStore(file, { compactor: false });
const b64 = (s: string) => Buffer.from(s).toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString();
const header = () => ({ revision: String(store.currentRevision()) });
const wire = (kv: KeyValue) => ({ key: b64(kv.key), value: b64(kv.value), create_revision: String(kv.createRevision), mod_revision: String(kv.modRevision) });

async function put(key: string, value: string): Promise<void> {
  try {
    await store.create(key, value);
  } catch (err) {
    if (!(err instanceof KeyExistsError)) throw err;
    const cur = await store.get(key);
    await store.update(key, value, cur.kv?.modRevision ?? 0);
  }
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const url = new URL(req.url);
    const body = (await req.json()) as { key: string; value?: string; range_end?: string; limit?: string | number };
    if (url.pathname === "/v3/kv/put") {
      await put(unb64(body.key), unb64(body.value ?? ""));
      return Response.json({ header: header() });
    }
    if (url.pathname === "/v3/kv/range") {
      const key = unb64(body.key);
      if (!body.range_end) {
        const r = await store.get(key);
        return Response.json({ header: { revision: String(r.revision) }, kvs: r.kv ? [wire(r.kv)] : [], count: r.kv ? "1" : "0" });
      }
      const r = await store.list(key, { limit: Number(body.limit ?? 0) });
      return Response.json({ header: { revision: String(r.revision) }, kvs: r.kvs.map(wire), count: String(r.kvs.length) });
    }
    return new Response("not found", { status: 404 });
  },
});
console.log(`PORT ${server.port}`);
process.on("SIGTERM", async () => {
  await server.stop(true);
  await store.close();
  process.exit(0);
});
