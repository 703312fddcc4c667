/**
 * The admission chain: mutating plugins in order, then validating plugins in order (upstream
 * order semantics). Plugins that reserve resources (IPs, ports) get `committed`/`aborted`
 * callbacks for the write they admitted, and `deleted` when an object leaves the store.
 */
import type { KObject, ResourceDef } from "../resources/index.ts";
import type { UserInfo } from "../authz/types.ts";

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface AdmissionAttributes {
  readonly operation: Operation;
  readonly def: ResourceDef;
  readonly namespace: string;
  readonly name: string;
  readonly subresource: string;
  /** The object being written (mutating plugins may change it). */
  readonly object?: KObject;
  readonly oldObject?: KObject;
  readonly dryRun: boolean;
  readonly user?: UserInfo;
  /** Where plugins add warnings for the client (sent as `Warning` headers). */
  readonly warnings?: string[];
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutating phase; may change `attrs.object`. Throw an ApiError to reject. */
  admit?(attrs: AdmissionAttributes): Promise<void> | void;
  /** Validating phase; must not mutate. Throw an ApiError to reject. */
  validate?(attrs: AdmissionAttributes): Promise<void> | void;
  /** The admitted write was persisted (never called for dry runs). */
  committed?(attrs: AdmissionAttributes, stored: KObject): void;
  /** The admitted write failed or was a dry run: undo reservations. */
  aborted?(attrs: AdmissionAttributes): void;
  /** An object was removed from the store. */
  deleted?(def: ResourceDef, obj: KObject): void;
}

export interface AdmissionChain {
  readonly plugins: readonly AdmissionPlugin[];
}
