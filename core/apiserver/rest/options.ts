/** Query parameters of resource requests, parsed and checked as upstream does. */
import { queryBoolValue } from "../request/query-bool.ts";
import { apiErrors } from "../errors/index.ts";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface WriteOptions {
  readonly dryRun: boolean;
  readonly fieldManager: string;
  readonly fieldValidation: FieldValidation;
  readonly force: boolean;
}

export interface ListOptions {
  readonly labelSelector: string;
  readonly fieldSelector: string;
  readonly limit: number;
  readonly continueToken: string;
  readonly resourceVersion: string;
  readonly resourceVersionMatch: "" | "NotOlderThan" | "Exact";
  readonly timeoutSeconds: number | undefined;
  readonly allowWatchBookmarks: boolean;
  readonly sendInitialEvents: boolean | undefined;
  readonly includeObject: "None" | "Metadata" | "Object";
}

const bool = queryBoolValue;

export function parseDryRun(values: readonly string[]): boolean {
  for (const v of values) {
    if (v !== "All") throw apiErrors.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}. Valid values are: "All"`);
  }
  return values.length > 0;
}

export function parseWriteOptions(url: URL): WriteOptions {
  const q = url.searchParams;
  const fv = q.get("fieldValidation") ?? "";
  let fieldValidation: FieldValidation = "Warn";
  if (fv === "Strict" || fv === "Warn" || fv === "Ignore") fieldValidation = fv;
  else if (fv !== "") throw apiErrors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict" but got: ${fv}`);
  const fieldManager = q.get("fieldManager") ?? "";
  if (fieldManager.length > 128) throw apiErrors.badRequest("fieldManager: Too long: must have at most 128 bytes");
  return { dryRun: parseDryRun(q.getAll("dryRun")), fieldManager, fieldValidation, force: bool(q.get("force")) };
}

export function parseListOptions(url: URL): ListOptions {
  const q = url.searchParams;
  const limitText = q.get("limit");
  const limit = limitText ? Number(limitText) : 0;
  if (!Number.isFinite(limit) || limit < 0) throw apiErrors.badRequest(`invalid limit: ${limitText}`);
  const rvm = q.get("resourceVersionMatch") ?? "";
  if (rvm !== "" && rvm !== "NotOlderThan" && rvm !== "Exact") {
    throw apiErrors.badRequest(`resourceVersionMatch: Unsupported value: "${rvm}": supported values: "Exact", "NotOlderThan"`);
  }
  const timeoutText = q.get("timeoutSeconds");
  const sie = q.get("sendInitialEvents");
  const io = q.get("includeObject") ?? "";
  return {
    labelSelector: q.get("labelSelector") ?? "",
    fieldSelector: q.get("fieldSelector") ?? "",
    limit: Math.floor(limit),
    continueToken: q.get("continue") ?? "",
    resourceVersion: q.get("resourceVersion") ?? "",
    resourceVersionMatch: rvm,
    timeoutSeconds: timeoutText ? Math.max(0, Number(timeoutText)) : undefined,
    allowWatchBookmarks: bool(q.get("allowWatchBookmarks")),
    sendInitialEvents: sie === null ? undefined : bool(sie),
    includeObject: io === "None" || io === "Object" ? io : "Metadata",
  };
}

/** A resourceVersion parameter as a number; 400 if it is not one. */
export function parseResourceVersion(rv: string): number {
  if (rv === "") return 0;
  const n = Number(rv);
  if (!Number.isInteger(n) || n < 0) throw apiErrors.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return n;
}
