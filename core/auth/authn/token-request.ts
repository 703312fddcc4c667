/**
 * The TokenRequest API behind `serviceaccounts/<name>/token` (upstream registry
 * serviceaccount/storage/token.go): validates the spec, resolves the bound object (Pod, Secret
 * or Node, uid-checked), defaults audiences to the API audiences and expiry to one hour, and
 * returns the defaulted spec with the signed token.
 */
import { apiErrors, fieldErrors } from "../../apiserver/errors/index.ts";
import type { KObject } from "../../apiserver/resources/index.ts";
import type { TokenIssuer } from "../../apiserver/rest/context.ts";
import type { TokenGenerator, TokenSubject } from "./token-generator.ts";
import type { BoundKind, ObjectReader } from "./types.ts";
import { formatTime } from "../../kube-time.ts";

export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
export const MAX_EXPIRATION_SECONDS = 2 ** 32;

const RESOURCE: Record<Exclude<BoundKind, "ServiceAccount">, string> = { Pod: "pods", Secret: "secrets", Node: "nodes" };

export function createTokenIssuer(opts: { generator: TokenGenerator; apiAudiences: readonly string[]; objects: ObjectReader }): TokenIssuer {
  return async (serviceAccount, request) => {
    const spec = { ...(request.spec ?? {}) } as Record<string, unknown>;
    if (spec.expirationSeconds === undefined || spec.expirationSeconds === null || spec.expirationSeconds === 0) spec.expirationSeconds = DEFAULT_EXPIRATION_SECONDS;
    const seconds = Number(spec.expirationSeconds);
    const errs = [];
    if (!Number.isInteger(seconds) || seconds < MIN_EXPIRATION_SECONDS) errs.push(fieldErrors.invalid("spec.expirationSeconds", spec.expirationSeconds, "may not specify a duration less than 10 minutes"));
    else if (seconds > MAX_EXPIRATION_SECONDS) errs.push(fieldErrors.invalid("spec.expirationSeconds", spec.expirationSeconds, "may not specify a duration larger than 2^32 seconds"));
    if (errs.length) throw apiErrors.invalid("authentication.k8s.io", "TokenRequest", "", errs);

    const namespace = serviceAccount.metadata.namespace ?? "";
    const name = serviceAccount.metadata.name ?? "";
    const subject: TokenSubject = { serviceAccount };
    const ref = spec.boundObjectRef as { kind?: string; apiVersion?: string; name?: string; uid?: string } | null | undefined;
    if (ref) {
      const [group, version] = splitApiVersion(ref.apiVersion ?? "");
      const kind = ref.kind ?? "";
      if (group !== "" || !(kind === "Pod" || kind === "Secret" || kind === "Node")) {
        throw apiErrors.badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
      }
      const refName = ref.name ?? "";
      const obj = await opts.objects(kind, kind === "Node" ? "" : namespace, refName);
      if (!obj) throw apiErrors.notFound({ group: "", resource: RESOURCE[kind] }, refName);
      if (kind === "Pod") {
        if (obj.spec?.serviceAccountName !== name) {
          throw apiErrors.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`);
        }
        subject.pod = obj;
        const nodeName = obj.spec?.nodeName;
        if (typeof nodeName === "string" && nodeName) subject.node = await opts.objects("Node", "", nodeName);
      } else if (kind === "Secret") subject.secret = obj;
      else subject.node = obj;
      if (ref.uid && ref.uid !== obj.metadata.uid) {
        throw apiErrors.conflict({ group: "", resource: kind }, refName,
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
    } else {
      spec.boundObjectRef = null;
    }
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? (spec.audiences as string[]) : [...opts.apiAudiences];
    spec.audiences = audiences;
    const issued = opts.generator.generate(subject, seconds, audiences);
    return {
      spec: { audiences: spec.audiences, expirationSeconds: seconds, boundObjectRef: spec.boundObjectRef },
      status: { token: issued.token, expirationTimestamp: formatTime(issued.claims.exp * 1000) },
    };
  };
}

function splitApiVersion(apiVersion: string): [string, string] {
  const i = apiVersion.indexOf("/");
  return i < 0 ? ["", apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

export type { KObject };
