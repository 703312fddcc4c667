/**
 * Rewrites every stale value (plaintext, or encrypted with a key other than the write key) under
 * the bound prefixes in its current write form, directly on the raw store with compare-and-swap:
 * a value written concurrently through the API server is already current and is left alone.
 * Writes are issued in parallel so the store's group commit batches them.
 */
import type { TransformerBinding } from "../apiserver/storage/transforming-store.ts";
import { ConflictError, KeyNotFoundError, type KeyValue, type Store } from "../store/types.ts";

export interface ReencryptResult {
  /** Values looked at. */
  readonly scanned: number;
  /** Values rewritten. */
  readonly rewritten: number;
}

const PAGE = 500;
const IN_FLIGHT = 64;

export async function reencryptAll(raw: Store, binding: TransformerBinding, prefixes: readonly string[], signal?: AbortSignal): Promise<ReencryptResult> {
  let scanned = 0;
  let rewritten = 0;
  for (const prefix of prefixes) {
    let startKey: string | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const page = await raw.list(prefix, { startKey, limit: PAGE });
      const stale = page.kvs.filter((kv) => binding.matches(kv.key));
      scanned += stale.length;
      for (let i = 0; i < stale.length; i += IN_FLIGHT) {
        const done = await Promise.all(stale.slice(i, i + IN_FLIGHT).map((kv) => rewrite(raw, binding, kv)));
        rewritten += done.filter(Boolean).length;
      }
      if (!page.more || page.kvs.length === 0) break;
      startKey = page.kvs[page.kvs.length - 1]!.key + "\0";
    }
  }
  return { scanned, rewritten };
}

/** Rewrites one value if stale; true when a write happened. */
async function rewrite(raw: Store, binding: TransformerBinding, first: KeyValue): Promise<boolean> {
  let kv: KeyValue | undefined = first;
  for (let attempt = 0; kv && attempt < 8; attempt++) {
    const transformer = binding.current();
    const { value, stale } = transformer.fromStorage(kv.value, kv.key);
    if (!stale) return false;
    try {
      await raw.update(kv.key, transformer.toStorage(value, kv.key), kv.modRevision);
      return true;
    } catch (err) {
      if (err instanceof KeyNotFoundError) return false;
      if (!(err instanceof ConflictError)) throw err;
      kv = (await raw.get(kv.key)).kv;
    }
  }
  if (kv) throw new Error(`${kv.key}: kept changing while being re-encrypted`);
  return false;
}
