/**
 * API Priority and Fairness (upstream WithPriorityAndFairness + the APF config controller), in front of
 * the API server's routing, after authentication (and impersonation), before authorization:
 * - Every request but the long-running non-watch ones (exec, attach, log, proxy, portforward: not limited,
 *   not classified) is classified (classifier.ts) to a FlowSchema and its PriorityLevelConfiguration, and
 *   answered with `X-Kubernetes-PF-FlowSchema-UID` and `X-Kubernetes-PF-PriorityLevel-UID`.
 * - Exempt levels run everything at once. Limited levels get
 *   ceil(serverConcurrencyLimit × nominalConcurrencyShares / Σ shares of all levels) seats, the server's
 *   limit being --max-requests-inflight + --max-mutating-requests-inflight (upstream's
 *   nominal concurrency limit; upstream's periodic lending and borrowing between levels is not done:
 *   each level keeps its nominal limit). Queuing and rejection: levels.ts.
 * - A watch holds its seat until the server has answered the request (its initial events are then
 *   being sent), not for its lifetime.
 * - A rejected request gets 429 with upstream's plain-text body and a Retry-After per level.
 * - The configuration is read from the FlowSchema and PriorityLevelConfiguration watch caches; until they
 *   are loaded (and whenever the mandatory objects are missing) the mandatory `exempt` and `catch-all`
 *   objects apply, as upstream's.
 * - Metrics: apiserver_flowcontrol_{dispatched,rejected}_requests_total, _current_{inqueue,executing}_requests,
 *   _request_wait_duration_seconds, _nominal_limit_seats, _current_limit_seats.
 * - /debug/api_priority_and_fairness/dump_{priority_levels,queues,requests} (debug.ts).
 */
import type { UserInfo } from "../authz/types.ts";
import type { Counter, Gauge, Histogram, MetricsRegistry } from "../../metrics/registry.ts";
import type { RequestInfo } from "../request/request-info.ts";
import { isLongRunning } from "../filters/long-running.ts";
import { isReadOnlyVerb } from "../filters/max-inflight.ts";
import {
  FLOW_SCHEMA_CATCH_ALL, PRIORITY_LEVEL_CATCH_ALL, mandatoryFlowSchemas, mandatoryPriorityLevelConfigurations,
} from "../resources/strategies/flow-control-configuration.ts";
import { Classifier, compileFlowSchema, flowDistinguisher, sortFlowSchemas, type CompiledFlowSchema } from "./classifier.ts";
import { PriorityLevel, type LevelSpec, type RejectReason, type RequestRecord } from "./levels.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

export const HEADER_FLOW_SCHEMA_UID = "X-Kubernetes-PF-FlowSchema-UID";
export const HEADER_PRIORITY_LEVEL_UID = "X-Kubernetes-PF-PriorityLevel-UID";

/** upstream's default wait limit: a quarter of the 60 s request timeout. */
export const DEFAULT_REQUEST_WAIT_LIMIT_MS = 15_000;

const WAIT_BUCKETS = [0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30];

export interface FlowControlConfig {
  readonly flowSchemas: readonly Json[];
  readonly priorityLevels: readonly Json[];
}

export interface FlowControlOptions {
  /** Seats shared by the limited levels (--max-requests-inflight + --max-mutating-requests-inflight); ≤ 0: unlimited. */
  readonly serverConcurrencyLimit: number;
  /** How long a request may wait in a queue (default 15 s). */
  readonly requestWaitLimitMs?: number;
  readonly registry?: MetricsRegistry;
  /** Told of each request answered 429 (apiserver_request_total code 429). */
  readonly onReject?: (info: RequestInfo, req: Request | undefined, url: URL | undefined) => void;
  /** Clock for Retry-After bookkeeping (ms). */
  readonly now?: () => number;
}

/** A FlowSchema bound to its level, with the metric children of the pair. */
export interface Binding {
  readonly level: PriorityLevel;
  readonly fsName: string;
  readonly dispatched?: Counter;
  readonly executing?: Gauge;
  readonly inqueue?: Gauge;
  readonly waitExecuted?: Histogram;
  readonly waitRejected?: Histogram;
  rejected(reason: RejectReason): void;
}

interface Compiled {
  readonly classifier: Classifier<Binding>;
  readonly levels: ReadonlyMap<string, PriorityLevel>;
}

export interface FlowControl {
  /** Runs `next` under APF (or answers 429). */
  handle(info: RequestInfo, user: UserInfo | undefined, req: Request | undefined, url: URL | undefined, next: () => Promise<Response>): Promise<Response>;
  /** Replaces the configuration (the objects as stored). */
  setConfig(config: FlowControlConfig): void;
  /**
   * Where the configuration comes from: asked before each request (and each dump), it answers a new
   * configuration when the objects changed since it last answered one, else undefined.
   */
  follow(source: () => FlowControlConfig | undefined): void;
  /** The levels in use, by name (debug dumps, tests). */
  levels(): ReadonlyMap<string, PriorityLevel>;
  /** Requests executing now, read-only (get, list, watch) and mutating (apiserver_current_inflight_requests). */
  inflight(): { readOnly: number; mutating: number };
  /** Uncached classification (tests). */
  classify(info: RequestInfo, user: UserInfo): { flowSchema: string; priorityLevel: string };
}

const TOO_MANY = "Too many requests, please try again later.\n";

export function createFlowControl(options: FlowControlOptions): FlowControl {
  const waitLimit = options.requestWaitLimitMs ?? DEFAULT_REQUEST_WAIT_LIMIT_MS;
  const now = options.now ?? Date.now;
  const reg = options.registry;
  const m = reg ? {
    dispatched: reg.counter("apiserver_flowcontrol_dispatched_requests_total", "Number of requests executed by API Priority and Fairness subsystem", ["priority_level", "flow_schema"]),
    rejected: reg.counter("apiserver_flowcontrol_rejected_requests_total", "Number of requests rejected by API Priority and Fairness subsystem", ["priority_level", "flow_schema", "reason"]),
    inqueue: reg.gauge("apiserver_flowcontrol_current_inqueue_requests", "Number of requests currently pending in queues of the API Priority and Fairness subsystem", ["priority_level", "flow_schema"]),
    executing: reg.gauge("apiserver_flowcontrol_current_executing_requests", "Number of requests in initial (for a WATCH) or any (for a non-WATCH) execution stage in the API Priority and Fairness subsystem", ["priority_level", "flow_schema"]),
    wait: reg.histogram("apiserver_flowcontrol_request_wait_duration_seconds", "Length of time a request spent waiting in its queue", ["priority_level", "flow_schema", "execute"], WAIT_BUCKETS),
  } : undefined;

  let levelsByName = new Map<string, PriorityLevel>();
  let readOnly = 0, mutating = 0;
  let compiled: Compiled | undefined;
  let source: (() => FlowControlConfig | undefined) | undefined;

  if (reg) {
    reg.collect(() => {
      const nominal: { labels: Record<string, string>; value: number }[] = [];
      const current: { labels: Record<string, string>; value: number }[] = [];
      for (const l of state().levels.values()) {
        if (l.spec.exempt) continue;
        nominal.push({ labels: { priority_level: l.spec.name }, value: l.spec.nominalLimit });
        current.push({ labels: { priority_level: l.spec.name }, value: l.spec.limit });
      }
      return [
        { name: "apiserver_flowcontrol_nominal_limit_seats", help: "Nominal number of execution seats configured for each priority level", type: "gauge", samples: nominal },
        { name: "apiserver_flowcontrol_current_limit_seats", help: "current derived number of execution seats available to each priority level", type: "gauge", samples: current },
      ];
    });
  }

  function bind(level: PriorityLevel, fsName: string): Binding {
    const pl = level.spec.name;
    if (!m) return { level, fsName, rejected: () => {} };
    return {
      level, fsName,
      dispatched: m.dispatched.labels(pl, fsName),
      executing: m.executing.labels(pl, fsName),
      inqueue: m.inqueue.labels(pl, fsName),
      waitExecuted: m.wait.labels(pl, fsName, "true"),
      waitRejected: m.wait.labels(pl, fsName, "false"),
      rejected: (reason) => m.rejected.labels(pl, fsName, reason).inc(),
    };
  }

  function compile(config: FlowControlConfig): Compiled {
    const levelObjs = new Map<string, Json>();
    for (const o of mandatoryPriorityLevelConfigurations()) levelObjs.set(o.metadata.name!, o);
    for (const o of config.priorityLevels) levelObjs.set(String(o.metadata?.name), o);
    const server = options.serverConcurrencyLimit > 0 ? options.serverConcurrencyLimit : Infinity;
    let shareSum = 0;
    for (const o of levelObjs.values()) shareSum += shares(o);
    const next = new Map<string, PriorityLevel>();
    for (const [name, o] of levelObjs) {
      const spec = levelSpec(o, server, shareSum);
      const existing = levelsByName.get(name);
      if (existing) existing.update(spec);
      next.set(name, existing ?? new PriorityLevel(spec));
    }
    levelsByName = next; // levels no longer configured drain their requests (upstream: quiescing)
    const fsObjs = new Map<string, Json>();
    for (const o of mandatoryFlowSchemas()) fsObjs.set(o.metadata.name!, o);
    for (const o of config.flowSchemas) fsObjs.set(String(o.metadata?.name), o);
    const schemas: CompiledFlowSchema<Binding>[] = [];
    let fallback: CompiledFlowSchema<Binding> | undefined;
    for (const [name, o] of fsObjs) {
      const level = next.get(String(o.spec?.priorityLevelConfiguration?.name ?? ""));
      if (!level) continue; // Dangling: not used
      const fs = compileFlowSchema(o, bind(level, name));
      schemas.push(fs);
      if (name === FLOW_SCHEMA_CATCH_ALL) fallback = fs;
    }
    fallback ??= compileFlowSchema(mandatoryFlowSchemas().find((o) => o.metadata.name === FLOW_SCHEMA_CATCH_ALL)!, bind(next.get(PRIORITY_LEVEL_CATCH_ALL)!, FLOW_SCHEMA_CATCH_ALL));
    return { classifier: new Classifier(sortFlowSchemas(schemas), fallback), levels: next };
  }

  function state(): Compiled {
    const changed = source?.();
    if (changed) compiled = compile(changed);
    return (compiled ??= compile({ flowSchemas: [], priorityLevels: [] }));
  }

  function reject(b: Binding, fs: CompiledFlowSchema<Binding>, info: RequestInfo, reason: RejectReason, req: Request | undefined, url: URL | undefined): Response {
    const level = b.level;
    level.rejected++;
    if (reason === "time-out") level.timedout++;
    else if (reason === "cancelled") level.cancelled++;
    b.rejected(reason);
    level.dropped.record(Math.floor(now() / 1000));
    options.onReject?.(info, req, url);
    return new Response(TOO_MANY, {
      status: 429,
      headers: {
        "Content-Type": "text/plain; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
        "Retry-After": String(level.dropped.get()),
        [HEADER_PRIORITY_LEVEL_UID]: level.spec.uid,
        [HEADER_FLOW_SCHEMA_UID]: fs.uid,
      },
    });
  }

  async function queued(fs: CompiledFlowSchema<Binding>, info: RequestInfo, user: UserInfo | undefined, req: Request | undefined, url: URL | undefined, next: () => Promise<Response>): Promise<Response> {
    const b = fs.level;
    const level = b.level;
    const arrive = now();
    const record: RequestRecord = {
      flowSchema: fs.name, distinguisher: flowDistinguisher(fs, info, user ?? { username: "", groups: [] }), arrive, start: 0, queue: -1,
      user: user?.username ?? "", verb: info.verb, path: info.path, namespace: info.namespace, name: info.name,
      apiVersion: info.group ? `${info.group}/${info.version}` : info.version, resource: info.resource, subresource: info.subresource,
    };
    let outcome: true | RejectReason;
    if (level.tryAcquire()) {
      outcome = true;
    } else {
      let resolve!: (v: true | RejectReason) => void;
      const wait = new Promise<true | RejectReason>((r) => { resolve = r; });
      const w = level.enqueue(record, () => resolve(true));
      if (typeof w === "string") {
        b.waitRejected?.observe(0);
        return reject(b, fs, info, w, req, url);
      }
      b.inqueue?.inc();
      const timer = setTimeout(() => { if (level.abandon(w)) resolve("time-out"); }, waitLimit);
      const onAbort = () => { if (level.abandon(w)) resolve("cancelled"); };
      const signal = req?.signal;
      signal?.addEventListener("abort", onAbort, { once: true });
      outcome = await wait;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      b.inqueue?.dec();
    }
    const waited = (now() - arrive) / 1000;
    if (outcome !== true) {
      b.waitRejected?.observe(waited);
      return reject(b, fs, info, outcome, req, url);
    }
    b.waitExecuted?.observe(waited);
    record.start = now();
    level.running.add(record);
    return execute(fs, info, next, () => { level.running.delete(record); level.release(record.queue); });
  }

  /** Runs a dispatched request with the level's and the server's counters held, then `done`. */
  async function execute(fs: CompiledFlowSchema<Binding>, info: RequestInfo, next: () => Promise<Response>, done: () => void): Promise<Response> {
    const b = fs.level;
    b.level.dispatched++;
    b.dispatched?.inc();
    b.executing?.inc();
    const ro = isReadOnlyVerb(info.verb);
    if (ro) readOnly++; else mutating++;
    let res: Response;
    try {
      res = await next();
    } finally {
      if (ro) readOnly--; else mutating--;
      b.executing?.dec();
      done();
    }
    return withHeaders(res, fs);
  }

  return {
    async handle(info, user, req, url, next) {
      // Long-running requests other than watches are neither classified nor limited (upstream).
      if (info.verb !== "watch" && isLongRunning(info)) return next();
      const fs = state().classifier.classify(info, user);
      const b = fs.level;
      const level = b.level;
      if (!level.spec.exempt) return queued(fs, info, user, req, url, next);
      level.executing++;
      b.waitExecuted?.observe(0);
      return execute(fs, info, next, () => { level.executing--; });
    },
    setConfig(config) {
      compiled = compile(config);
    },
    follow(next) {
      source = next;
    },
    levels: () => state().levels,
    inflight: () => ({ readOnly, mutating }),
    classify(info, user) {
      const fs = state().classifier.match(info, user);
      return { flowSchema: fs.name, priorityLevel: fs.level.level.spec.name };
    },
  };
}


function withHeaders(res: Response, fs: CompiledFlowSchema<Binding>): Response {
  try {
    const h = res.headers;
    h.set(HEADER_PRIORITY_LEVEL_UID, fs.level.level.spec.uid);
    h.set(HEADER_FLOW_SCHEMA_UID, fs.uid);
  } catch {
    // immutable headers (a proxied response): served without them
  }
  return res;
}

/** upstream plSpecCommons: nominalConcurrencyShares of a limited or exempt level. */
function shares(o: Json): number {
  const spec = o.spec ?? {};
  const n = spec.type === "Exempt" ? spec.exempt?.nominalConcurrencyShares ?? 0 : spec.limited?.nominalConcurrencyShares ?? 30;
  return Number(n) || 0;
}

function levelSpec(o: Json, server: number, shareSum: number): LevelSpec {
  const spec = o.spec ?? {};
  const name = String(o.metadata?.name ?? "");
  const uid = String(o.metadata?.uid ?? "");
  if (spec.type === "Exempt") return { name, uid, exempt: true, limit: Infinity, nominalLimit: 0, queues: 0, handSize: 0, queueLengthLimit: 0 };
  const nominal = server === Infinity ? Infinity : shareSum > 0 ? Math.ceil(server * shares(o) / shareSum) : 0;
  const lr = spec.limited?.limitResponse ?? {};
  const q = lr.type === "Queue" ? lr.queuing ?? {} : undefined;
  return {
    name, uid, exempt: false, limit: nominal, nominalLimit: nominal,
    queues: q ? Number(q.queues ?? 64) : 0,
    handSize: q ? Number(q.handSize ?? 8) : 0,
    queueLengthLimit: q ? Number(q.queueLengthLimit ?? 50) : 0,
  };
}
