/**
 * The informer's store: objects by key plus indices (index name -> value -> keys). Objects are
 * deep-frozen on the way in, so every reader shares one immutable copy.
 */
import { NAMESPACE_INDEX, objectKey, type Indexers, type KubeObject } from "@lite/sdk";
import { deepFreeze } from "../../apiserver/machinery/json-value.ts";

export class IndexedCache<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, (obj: T) => readonly string[]>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Indexers<T> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: (o: T) => [o.metadata.namespace ?? ""], ...indexers });
  }

  addIndexers(indexers: Indexers<T>): void {
    for (const name of Object.keys(indexers)) if (this.indexers.has(name)) throw new Error(`indexer "${name}" already exists`);
    for (const [name, fn] of Object.entries(indexers)) {
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) this.indexOne(index, fn, key, obj);
    }
  }

  hasIndexer(name: string): boolean {
    return this.indexers.has(name);
  }

  /** Stores (freezing) the object; returns the previous one. */
  upsert(obj: T): T | undefined {
    deepFreeze(obj);
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) this.indexOne(this.indices.get(name)!, fn, key, obj);
    return old;
  }

  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  all(): T[] {
    return [...this.items.values()];
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`index "${name}" does not exist`);
    return [...(index.get(value) ?? [])].map((k) => this.items.get(k)!);
  }

  get size(): number {
    return this.items.size;
  }

  private indexOne(index: Map<string, Set<string>>, fn: (obj: T) => readonly string[], key: string, obj: T): void {
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(value);
      }
    }
  }
}
