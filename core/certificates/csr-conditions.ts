/** Reading CertificateSigningRequest conditions (upstream certificates helpers). */

export interface CsrCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export function conditionsOf(csr: object): CsrCondition[] {
  const status = (csr as { status?: unknown }).status as { conditions?: CsrCondition[] } | undefined;
  return Array.isArray(status?.conditions) ? status!.conditions : [];
}

export function hasTrueCondition(csr: object, type: string): boolean {
  return conditionsOf(csr).some((c) => c.type === type && c.status === "True");
}

/** Approved and not denied (upstream IsCertificateRequestApproved). */
export function isApproved(csr: object): boolean {
  const cs = conditionsOf(csr);
  return cs.some((c) => c.type === "Approved") && !cs.some((c) => c.type === "Denied");
}
