/**
 * Audit events at the Metadata level, shaped as upstream's audit.k8s.io/v1 Event (JSON field
 * names and order as k8s.io/apiserver/pkg/apis/audit/v1 serialises them). Timestamps are
 * MicroTime (`2006-01-02T15:04:05.000000Z`).
 */
import type { UserInfo } from "../authz/types.ts";
import type { RequestInfo } from "../request/request-info.ts";
import { formatMicroTime } from "../../kube-time.ts";

export type AuditStage = "RequestReceived" | "ResponseStarted" | "ResponseComplete" | "Panic";

export interface AuditEvent {
  kind: "Event";
  apiVersion: "audit.k8s.io/v1";
  level: "Metadata";
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string };
  responseStatus?: { metadata: Record<string, never>; code: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** The parts of an event known when the request arrives. */
export function startEvent(req: Request, url: URL, info: RequestInfo, user: UserInfo | undefined, sourceIP: string, received: Date): AuditEvent {
  const ev: AuditEvent = {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "Metadata",
    auditID: crypto.randomUUID(),
    stage: "ResponseComplete",
    requestURI: url.pathname + url.search,
    verb: info.verb,
    user: user
      ? { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: [...user.groups], ...(user.extra ? { extra: user.extra } : {}) }
      : {},
    sourceIPs: [sourceIP],
    requestReceivedTimestamp: formatMicroTime(received),
    stageTimestamp: formatMicroTime(received),
  };
  const ua = req.headers.get("user-agent");
  if (ua) ev.userAgent = ua;
  if (info.isResourceRequest) {
    ev.objectRef = {
      resource: info.resource,
      ...(info.namespace ? { namespace: info.namespace } : {}),
      ...(info.name ? { name: info.name } : {}),
      ...(info.group ? { apiGroup: info.group } : {}),
      apiVersion: info.version,
      ...(info.subresource ? { subresource: info.subresource } : {}),
    };
  }
  return ev;
}

/** The event at `stage` with the response code. */
export function stageEvent(start: AuditEvent, stage: AuditStage, code: number, at: Date): AuditEvent {
  return { ...start, stage, responseStatus: { metadata: {}, code }, stageTimestamp: formatMicroTime(at) };
}
