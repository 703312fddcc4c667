// Request filters in front of ApiServer.handle: audit log and in-flight limits.
export { openAuditLog, type AuditLog, type AuditLogOptions } from "./audit-log.ts";
export { createMaxInflight, type MaxInflight, type MaxInflightOptions } from "./max-inflight.ts";
export { createRequestFilters, type RequestFilters, type RequestFiltersOptions } from "./request-filters.ts";
export { isLongRunning } from "./long-running.ts";
