/**
 * The conversion hook's vocabulary. Several served resources (autoscaling/v1 and v2 HPAs;
 * core/v1 and events.k8s.io/v1 Events) may share one storage: one key prefix holding objects
 * in one storage version. Converters are hub-and-spoke: every served version converts to and
 * from the storage version only, never to a sibling directly.
 */
import type { KObject } from "../resources/types.ts";

/**
 * Converts one served version to and from the storage version.
 * Contract: inputs are shared (possibly frozen) and must not be mutated; results may share
 * unchanged sub-objects with the input (the engine copies before it mutates). `apiVersion` and
 * `kind` of the result are set by the engine, so converters need not set them.
 */
export interface VersionConverter {
  /** A storage-version object as this served version. */
  fromStorage(stored: KObject): KObject;
  /** An object of this served version as the storage version. */
  toStorage(served: KObject): KObject;
}

/** One storage shared by the served versions listed in `converters`. */
export interface StorageVersion {
  /** The group/resource whose key prefix holds the objects (`/registry/<group|core>/<resource>/`). */
  readonly group: string;
  readonly resource: string;
  /** The version objects are stored in, e.g. `autoscaling/v2`. */
  readonly apiVersion: string;
  readonly kind: string;
  /**
   * Converters by served apiVersion. A served version without an entry is stored as-is; the
   * storage version itself may have an entry (e.g. to drop round-trip annotations).
   */
  readonly converters: Readonly<Record<string, VersionConverter>>;
  /**
   * `stored` as `apiVersion`. Results for frozen inputs (watch-cache objects) are memoized by
   * identity, so many watchers of one event convert it once. Returns a frozen object then.
   */
  view(stored: KObject, apiVersion: string): KObject;
}

/**
 * Conversion that needs I/O (a CRD's conversion webhook). `convert` returns `objects` in
 * `apiVersion`, same order and count; objects already in it are returned as they are (no call
 * when all are). Inputs are not mutated. Failures are Errors whose message is upstream's text.
 */
export interface AsyncConversion {
  /** The version objects are written in, e.g. `stable.example.com/v1`. */
  readonly storageApiVersion: string;
  convert(objects: readonly KObject[], apiVersion: string): Promise<KObject[]>;
}
