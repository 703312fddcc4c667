/**
 * Value transformation at rest (upstream storage/value): a Store wrapper that passes the values of
 * chosen keys through a transformer on the way in and out (encryption of Secrets). Everything
 * above it — ResourceStore, watch caches, the codec — only ever sees plaintext, so decrypted
 * objects live in memory only. Keys the binding does not match pass through untouched, and
 * revisions, CAS and watch semantics are the wrapped store's.
 */
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchOptions } from "../../store/types.ts";

export interface ValueTransformer {
  /** The stored form of `plaintext` for `key`. */
  toStorage(plaintext: string, key: string): string;
  /**
   * The plaintext of a stored value; `stale` when it is not in the current write form (plaintext
   * or an older key) and should be rewritten. Throws when the value cannot be read (unknown key,
   * tampered data).
   */
  fromStorage(stored: string, key: string): { value: string; stale: boolean };
}

export interface TransformerBinding {
  /** Whether values under `key` are transformed. Called on every operation: keep it cheap. */
  matches(key: string): boolean;
  /** The transformer in force now (it changes when keys rotate). */
  current(): ValueTransformer;
}

/** `store` with the values of keys matching `binding` transformed at rest. `close` closes `store`. */
export function withValueTransformer(store: Store, binding: TransformerBinding): Store {
  const out = (kv: KeyValue): KeyValue =>
    binding.matches(kv.key) ? { ...kv, value: binding.current().fromStorage(kv.value, kv.key).value } : kv;
  const outMaybe = (kv: KeyValue | undefined): KeyValue | undefined => (kv ? out(kv) : kv);
  const into = (key: string, value: string): string => (binding.matches(key) ? binding.current().toStorage(value, key) : value);
  /** What a write returns: the stored row's metadata with the plaintext the caller wrote. */
  const written = (kv: KeyValue, plaintext: string): KeyValue => (binding.matches(kv.key) ? { ...kv, value: plaintext } : kv);

  return {
    currentRevision: () => store.currentRevision(),
    compactRevision: () => store.compactRevision(),
    async get(key, revision) {
      const r = await store.get(key, revision);
      return r.kv ? { revision: r.revision, kv: out(r.kv) } : r;
    },
    async list(prefix: string, options?: ListOptions): Promise<ListResult> {
      const r = await store.list(prefix, options);
      return { ...r, kvs: r.kvs.map(out) };
    },
    count: (prefix, options) => store.count(prefix, options),
    async create(key, value, lease) {
      return written(await store.create(key, into(key, value), lease), value);
    },
    async update(key, value, expectedModRevision, lease) {
      return written(await store.update(key, into(key, value), expectedModRevision, lease), value);
    },
    async delete(key, expectedModRevision) {
      return out(await store.delete(key, expectedModRevision));
    },
    watch(prefix: string, options: WatchOptions): AsyncIterable<WatchEvent> {
      const events = store.watch(prefix, options);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const ev of events) {
            if (!binding.matches(ev.kv.key)) yield ev;
            else yield { type: ev.type, kv: out(ev.kv), prevKv: outMaybe(ev.prevKv) };
          }
        },
      };
    },
    compact: (revision) => store.compact(revision),
    dbSize: () => store.dbSize(),
    close: () => store.close(),
  };
}
