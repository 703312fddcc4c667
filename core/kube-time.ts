/**
 * The two timestamp formats of the Kubernetes API, as the API server and clients write them.
 * - metav1.Time: RFC 3339 in UTC to the second, "2026-11-28T19:04:05Z" (creationTimestamp,
 *   condition lastTransitionTime, managedFields time, ...).
 * - metav1.MicroTime: RFC 3339 in UTC to the microsecond, "2026-11-28T19:04:05.123000Z" (Lease
 *   renewTime, events.k8s.io eventTime, audit stage timestamps). JavaScript clocks have
 *   milliseconds, so the last three digits are always 0.
 * Both truncate (never round) the finer part, as Go's time formatting does.
 */

/** metav1.Time of `at` (epoch milliseconds or a Date). */
export function formatTime(at: number | Date): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** metav1.MicroTime of `at` (epoch milliseconds or a Date). */
export function formatMicroTime(at: number | Date): string {
  return new Date(at).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
