/**
 * Everything the REST handlers of one ApiServer share. Built once by createApiServer; nothing
 * here is module-level, so several servers coexist in one process.
 */
import type { Store } from "../../store/types.ts";
import type { AdmissionChain } from "../admission/types.ts";
import type { UserInfo } from "../authz/types.ts";
import type { ProtobufDecoder } from "../request/body.ts";
import type { RequestInfo } from "../request/request-info.ts";
import type { KObject, ResourceDef, ResourceRegistry } from "../resources/index.ts";
import type { ResourceStore } from "../storage/resource-store.ts";
import type { WatchCache } from "../watch-cache/watch-cache.ts";
import type { WatchStats } from "../metrics/request-metrics.ts";

/** Streams (log, exec, attach, portforward, proxy) are served by the node agent; this hook reaches it. */
export type ConnectHandler = (req: Request, info: RequestInfo, pod: KObject, user: UserInfo | undefined) => Promise<Response>;

/**
 * Issues a service-account token for a TokenRequest (core/auth/authn provides it): returns the
 * defaulted spec and the status; throws an ApiError for an invalid request.
 */
export type TokenIssuer = (serviceAccount: KObject, request: KObject) => Promise<{
  spec: Record<string, unknown>;
  status: { token: string; expirationTimestamp: string };
}>;

export interface ApiContext {
  readonly registry: ResourceRegistry;
  readonly store: Store;
  now(): Date;
  resourceStore(def: ResourceDef): ResourceStore;
  /** The started watch cache for def's storage prefix (await `.ready` before use). */
  watchCache(def: ResourceDef): WatchCache;
  readonly admission: AdmissionChain;
  readonly connect?: ConnectHandler;
  readonly issueToken?: TokenIssuer;
  readonly protobuf?: ProtobufDecoder;
  /** Fires when the server closes (ends watches). */
  readonly signal: AbortSignal;
  /** Bookmark interval for watches with allowWatchBookmarks (ms). */
  readonly bookmarkIntervalMs: number;
}

/** Per-request facts the handlers need besides the context. */
export interface RequestScope {
  readonly req: Request;
  readonly url: URL;
  readonly info: RequestInfo;
  readonly def: ResourceDef;
  readonly user: UserInfo | undefined;
  /** Warnings gathered while serving (admission webhooks); sent as `Warning` headers, also with errors. */
  readonly warnings?: string[];
  /** A WATCH's metrics (events sent, open until the stream ends); set by the server when collected. */
  readonly watchStats?: WatchStats;
}
