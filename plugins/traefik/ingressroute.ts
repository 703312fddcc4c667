/**
 * Traefik's CRD provider, the HTTP part: IngressRoutes to routers and Middlewares to compiled
 * middleware chains (both `traefik.io/v1alpha1` and the deprecated `traefik.containo.us/v1alpha1`,
 * the former winning when both hold an object of the same namespace and name). Pure.
 *
 * - One router per `spec.routes[]` entry, named `<ns>-<name>-<hash of match>`; rule in Traefik v3
 *   syntax (rule.ts); priority `route.priority`, or the rule's length when 0 or absent.
 * - Entry points: `spec.entryPoints` among `web`/`websecure` (absent or empty: both); with
 *   `spec.tls` (even `{}`) the router is served on `websecure` only. `tls.secretName` adds its
 *   certificate to the store (SNI); without it the default certificate answers.
 * - Services: Kubernetes Services of the IngressRoute's namespace (cross-namespace references are
 *   refused, as Traefik's default `allowCrossNamespace: false`), port number or name; several are
 *   weighted round robin (`weight`, default 1). `kind: TraefikService` is not supported.
 * - Middlewares: `name` (+ `namespace`, same rule) or `<ns>-<name>@kubernetescrd`.
 * A route whose rule, services or middlewares fail is skipped (Traefik drops the router), with a
 * Problem for a Warning Event on the IngressRoute.
 */
import { compileMiddleware, MiddlewareError, type Middleware, type MiddlewareObject } from "./middlewares.ts";
import { compileRule, RuleError } from "./rule.ts";

export const TRAEFIK_GROUP = "traefik.io";
export const CONTAINOUS_GROUP = "traefik.containo.us";
export const ingressRoutesOf = (group: string) => ({ group, version: "v1alpha1", resource: "ingressroutes" }) as const;
export const middlewaresOf = (group: string) => ({ group, version: "v1alpha1", resource: "middlewares" }) as const;

export interface IngressRouteService { name?: string; namespace?: string; kind?: string; port?: number | string; weight?: number; scheme?: string }
export interface IngressRouteRoute {
  kind?: string; match?: string; priority?: number; syntax?: string;
  services?: IngressRouteService[];
  middlewares?: { name?: string; namespace?: string }[];
}
export interface IngressRoute {
  apiVersion?: string; kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec?: {
    entryPoints?: string[];
    routes?: IngressRouteRoute[];
    tls?: { secretName?: string; options?: unknown; store?: unknown; certResolver?: string; domains?: unknown };
  };
}
export type { MiddlewareObject };

/** The object's key for problems: "<group>:<ns>/<name>". */
export function ingressRouteKey(ir: IngressRoute): string {
  const group = (ir.apiVersion ?? `${TRAEFIK_GROUP}/v1alpha1`).split("/")[0];
  return `${group}:${ir.metadata.namespace ?? ""}/${ir.metadata.name ?? ""}`;
}

/** Traefik's short hash of a rule (FNV-1a 32 bits, hex), for router names. */
export function ruleHash(rule: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < rule.length; i++) { h ^= rule.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h.toString(16).padStart(8, "0");
}

export interface SecretLike { metadata: { name?: string; namespace?: string }; type?: string; data?: Record<string, string> }

/**
 * Middlewares by reference, compiled on first use and cached per routing table. `resolve` throws
 * MiddlewareError (not found, unsupported kind, invalid configuration, a chain cycle).
 */
export class MiddlewareRegistry {
  private readonly objects = new Map<string, MiddlewareObject>(); // "<ns>-<name>" -> object
  private readonly byNsName = new Map<string, MiddlewareObject>(); // "<ns>/<name>" -> object
  private readonly compiled = new Map<string, Middleware | MiddlewareError>();
  private readonly resolving = new Set<string>();
  /** Non-fatal notes per middleware key. */
  readonly warnings = new Map<string, string[]>();

  constructor(middlewares: readonly (MiddlewareObject & { apiVersion?: string })[], private readonly secrets: ReadonlyMap<string, SecretLike>) {
    // traefik.io first, so it wins over traefik.containo.us.
    const sorted = [...middlewares].sort((a, b) => Number((b.apiVersion ?? "").startsWith(TRAEFIK_GROUP)) - Number((a.apiVersion ?? "").startsWith(TRAEFIK_GROUP)));
    for (const m of sorted) {
      const ns = m.metadata.namespace ?? "default", name = m.metadata.name ?? "";
      if (!this.byNsName.has(`${ns}/${name}`)) this.byNsName.set(`${ns}/${name}`, m);
      if (!this.objects.has(`${ns}-${name}`)) this.objects.set(`${ns}-${name}`, m);
    }
  }

  /** `<ns>-<name>@kubernetescrd` (the Ingress annotation's form, and a qualified reference). */
  resolveQualified(ref: string): Middleware {
    const at = ref.lastIndexOf("@");
    const provider = at < 0 ? "kubernetescrd" : ref.slice(at + 1);
    const key = at < 0 ? ref : ref.slice(0, at);
    if (provider !== "kubernetescrd") throw new MiddlewareError("MiddlewareNotFound", `middleware ${ref}: provider ${provider} is not served by lite (only @kubernetescrd)`);
    const obj = this.objects.get(key);
    if (!obj) throw new MiddlewareError("MiddlewareNotFound", `middleware ${ref} does not exist`);
    return this.compile(obj);
  }

  resolve(namespace: string, name: string): Middleware {
    if (name.includes("@")) return this.resolveQualified(name);
    const obj = this.byNsName.get(`${namespace}/${name}`);
    if (!obj) throw new MiddlewareError("MiddlewareNotFound", `middleware ${namespace}/${name} does not exist`);
    return this.compile(obj);
  }

  private compile(obj: MiddlewareObject): Middleware {
    const ns = obj.metadata.namespace ?? "default";
    const key = `${ns}-${obj.metadata.name ?? ""}`;
    const done = this.compiled.get(key);
    if (done instanceof MiddlewareError) throw done;
    if (done) return done;
    if (this.resolving.has(key)) throw new MiddlewareError("InvalidMiddleware", `middleware ${key}: recursion in a chain`);
    this.resolving.add(key);
    try {
      const m = compileMiddleware(obj, {
        secret: (n, name) => this.secrets.get(`${n}/${name}`),
        resolve: (n, name) => this.resolve(n, name),
        warn: (msg) => { const w = this.warnings.get(key) ?? []; if (!w.includes(msg)) w.push(msg); this.warnings.set(key, w); },
      });
      this.compiled.set(key, m);
      return m;
    } catch (err) {
      const e = err instanceof MiddlewareError ? err : new MiddlewareError("InvalidMiddleware", `middleware ${key}: ${(err as Error).message}`);
      this.compiled.set(key, e);
      throw e;
    } finally {
      this.resolving.delete(key);
    }
  }
}

export { compileRule, RuleError };
