/** `defineStorageVersion`: declare one shared storage and its per-version converters. */
import type { KObject } from "../resources/types.ts";
import type { StorageVersion, VersionConverter } from "./types.ts";

export interface StorageVersionInput {
  readonly group: string;
  readonly resource: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly converters: Readonly<Record<string, VersionConverter>>;
}

/**
 * Build a StorageVersion. Call once per server (the catalog is built per server), so the memo
 * of converted watch-cache objects is never shared between servers.
 */
export function defineStorageVersion(input: StorageVersionInput): StorageVersion {
  const memo = new WeakMap<KObject, Map<string, KObject>>();
  const typed = (obj: KObject, apiVersion: string): KObject => {
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    return { kind: input.kind, apiVersion, ...rest } as KObject;
  };
  const convert = (stored: KObject, apiVersion: string): KObject => {
    const c = input.converters[apiVersion];
    return typed(c ? c.fromStorage(stored) : stored, apiVersion);
  };
  return {
    ...input,
    view(stored, apiVersion) {
      if (!Object.isFrozen(stored)) return convert(stored, apiVersion);
      let byVersion = memo.get(stored);
      if (!byVersion) { byVersion = new Map(); memo.set(stored, byVersion); }
      let out = byVersion.get(apiVersion);
      if (!out) { out = Object.freeze(convert(stored, apiVersion)); byVersion.set(apiVersion, out); }
      return out;
    },
  };
}
