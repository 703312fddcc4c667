/**
 * API Priority and Fairness classification (upstream `k8s.io/apiserver/pkg/util/flowcontrol`, rule.go and
 * apf_controller.go's match): the FlowSchemas in order of matchingPrecedence, then name; the first whose
 * rules match the request (a subject matching the user, and a resource rule or a non-resource rule matching
 * the request) decides the PriorityLevelConfiguration. FlowSchemas whose level does not exist (Dangling) are
 * skipped; a request nothing matches goes to catch-all, as upstream's.
 *
 * Matching semantics (rule.go):
 * - subjects: User name `*` or equal; Group name `*` or among the user's groups; ServiceAccount
 *   `system:serviceaccount:<ns>:<name>`, name `*` meaning any in the namespace.
 * - resource rules: verbs, apiGroups and resources hold the value or are exactly [`*`]; a subresource is
 *   matched as `resource/subresource`; a cluster-scoped request needs clusterScope, a namespaced one a
 *   namespace in `namespaces` (or [`*`]).
 * - non-resource rules: verbs as above; a URL `*` or equal to the path, or a prefix (`/x/*` or `/x`) of it.
 *
 * The result of a classification is cached per (user, groups, verb, request target): the cache is a plain
 * Map cleared when the configuration changes or it grows past its bound.
 */
import { ANONYMOUS_USER, type UserInfo } from "../authz/types.ts";
import type { RequestInfo } from "../request/request-info.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

const SA_PREFIX = "system:serviceaccount:";

type SubjectMatcher = (user: UserInfo) => boolean;

interface ResourceRule {
  readonly verbs: Set<string> | null; // null: all
  readonly groups: Set<string> | null;
  readonly resources: Set<string> | null;
  readonly clusterScope: boolean;
  readonly namespaces: Set<string> | null;
}

interface NonResourceRule {
  readonly verbs: Set<string> | null;
  readonly all: boolean;
  readonly exact: Set<string>;
  readonly prefixes: readonly string[];
}

interface CompiledRule {
  readonly subjects: readonly SubjectMatcher[];
  readonly resourceRules: readonly ResourceRule[];
  readonly nonResourceRules: readonly NonResourceRule[];
}

/** A FlowSchema as the classifier uses it. */
export interface CompiledFlowSchema<L> {
  readonly name: string;
  readonly uid: string;
  readonly precedence: number;
  /** "ByUser", "ByNamespace" or "" (no distinguisher). */
  readonly distinguisher: string;
  readonly level: L;
  readonly rules: readonly CompiledRule[];
}

/** `list` as upstream's containsString: [`*`] matches everything. */
function wildcardSet(list: unknown, wildcard = "*"): Set<string> | null {
  const values = Array.isArray(list) ? list.map(String) : [];
  if (values.length === 1 && values[0] === wildcard) return null;
  return new Set(values);
}

function compileSubject(s: Json): SubjectMatcher | undefined {
  switch (s?.kind) {
    case "User": {
      const name = s.user?.name;
      if (typeof name !== "string") return undefined;
      return name === "*" ? () => true : (u) => u.username === name;
    }
    case "Group": {
      const name = s.group?.name;
      if (typeof name !== "string") return undefined;
      return name === "*" ? () => true : (u) => u.groups.includes(name);
    }
    case "ServiceAccount": {
      const ns = s.serviceAccount?.namespace, name = s.serviceAccount?.name;
      if (typeof ns !== "string" || typeof name !== "string") return undefined;
      if (name === "*") {
        const prefix = `${SA_PREFIX}${ns}:`;
        return (u) => u.username.startsWith(prefix);
      }
      const full = `${SA_PREFIX}${ns}:${name}`;
      return (u) => u.username === full;
    }
    default:
      return undefined;
  }
}

function compileRule(r: Json): CompiledRule {
  const subjects = (Array.isArray(r?.subjects) ? r.subjects : []).map(compileSubject).filter((m: SubjectMatcher | undefined): m is SubjectMatcher => !!m);
  const resourceRules: ResourceRule[] = (Array.isArray(r?.resourceRules) ? r.resourceRules : []).map((rr: Json) => ({
    verbs: wildcardSet(rr.verbs), groups: wildcardSet(rr.apiGroups), resources: wildcardSet(rr.resources),
    clusterScope: rr.clusterScope === true, namespaces: wildcardSet(rr.namespaces),
  }));
  const nonResourceRules: NonResourceRule[] = (Array.isArray(r?.nonResourceRules) ? r.nonResourceRules : []).map((nr: Json) => {
    const urls: string[] = Array.isArray(nr.nonResourceURLs) ? nr.nonResourceURLs.map(String) : [];
    const prefixes = urls.filter((u) => u !== "*").map((u) => {
      const p = u.endsWith("*") ? u.slice(0, -1) : u;
      return p.endsWith("/") ? p : `${p}/`;
    });
    return { verbs: wildcardSet(nr.verbs), all: urls.includes("*"), exact: new Set(urls), prefixes };
  });
  return { subjects, resourceRules, nonResourceRules };
}

/** Compiles a FlowSchema object; `level` is what its priority level resolves to. */
export function compileFlowSchema<L>(fs: Json, level: L): CompiledFlowSchema<L> {
  const spec = fs.spec ?? {};
  const p = Number(spec.matchingPrecedence);
  return {
    name: String(fs.metadata?.name ?? ""),
    uid: String(fs.metadata?.uid ?? ""),
    precedence: Number.isFinite(p) ? p : 1000,
    distinguisher: String(spec.distinguisherMethod?.type ?? ""),
    level,
    rules: (Array.isArray(spec.rules) ? spec.rules : []).map(compileRule),
  };
}

/** Upstream's order: matchingPrecedence ascending, then name. */
export function sortFlowSchemas<L>(schemas: CompiledFlowSchema<L>[]): CompiledFlowSchema<L>[] {
  return schemas.sort((a, b) => a.precedence - b.precedence || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const has = (set: Set<string> | null, v: string): boolean => set === null || set.has(v);

function matchesResource(rule: ResourceRule, info: RequestInfo): boolean {
  if (!has(rule.verbs, info.verb)) return false;
  if (!has(rule.resources, info.subresource ? `${info.resource}/${info.subresource}` : info.resource)) return false;
  if (!has(rule.groups, info.group)) return false;
  if (!info.namespace) return rule.clusterScope;
  return has(rule.namespaces, info.namespace);
}

function matchesNonResource(rule: NonResourceRule, info: RequestInfo): boolean {
  if (!has(rule.verbs, info.verb)) return false;
  if (rule.all || rule.exact.has(info.path)) return true;
  for (const p of rule.prefixes) if (info.path.startsWith(p)) return true;
  return false;
}

/** upstream matchesFlowSchema. */
export function matchesFlowSchema(fs: CompiledFlowSchema<unknown>, info: RequestInfo, user: UserInfo): boolean {
  for (const rule of fs.rules) {
    let subject = false;
    for (const s of rule.subjects) if (s(user)) { subject = true; break; }
    if (!subject) continue;
    if (info.isResourceRequest) {
      for (const rr of rule.resourceRules) if (matchesResource(rr, info)) return true;
    } else {
      for (const nr of rule.nonResourceRules) if (matchesNonResource(nr, info)) return true;
    }
  }
  return false;
}

/** The flow distinguisher of a request under `fs` (upstream computeFlowDistinguisher). */
export function flowDistinguisher(fs: CompiledFlowSchema<unknown>, info: RequestInfo, user: UserInfo): string {
  if (fs.distinguisher === "ByUser") return user.username;
  if (fs.distinguisher === "ByNamespace") return info.namespace;
  return "";
}

const CACHE_LIMIT = 8192;

/** Classifies requests against sorted FlowSchemas, caching results per request shape and user. */
export class Classifier<L> {
  private readonly cache = new Map<string, CompiledFlowSchema<L>>();

  constructor(readonly schemas: readonly CompiledFlowSchema<L>[], readonly fallback: CompiledFlowSchema<L>) {}

  classify(info: RequestInfo, user: UserInfo | undefined): CompiledFlowSchema<L> {
    const u = user ?? ANONYMOUS_USER;
    const g = u.groups;
    // Everything the match depends on.
    const key = info.isResourceRequest
      ? `${info.verb}\u0000${info.group}\u0000${info.resource}\u0000${info.subresource}\u0000${info.namespace}\u0000${u.username}\u0000${g.join("\u0000")}`
      : `\u0001${info.verb}\u0000${info.path}\u0000${u.username}\u0000${g.join("\u0000")}`;
    let fs = this.cache.get(key);
    if (fs === undefined) {
      fs = this.match(info, u);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, fs);
    }
    return fs;
  }

  /** Uncached classification. */
  match(info: RequestInfo, user: UserInfo): CompiledFlowSchema<L> {
    for (const fs of this.schemas) if (matchesFlowSchema(fs, info, user)) return fs;
    return this.fallback;
  }
}

