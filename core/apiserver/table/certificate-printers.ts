/** CertificateSigningRequest columns (upstream printers.go printCertificateSigningRequest). */
import { humanDuration } from "../machinery/duration.ts";
import { AGE_COLUMN, NAME_COLUMN, age, col, type Json } from "./cells.ts";
import type { TablePrinter } from "./types.ts";

/** "Pending", or the condition types joined by commas, plus "Issued" once a certificate is set. */
export function csrCondition(csr: Json): string {
  const types: string[] = [];
  for (const c of csr.status?.conditions ?? []) if (c.status === "True" || c.status === undefined) types.push(c.type);
  if (csr.status?.certificate) types.push("Issued");
  return types.length ? types.join(",") : "Pending";
}

export const csrPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    AGE_COLUMN,
    col("SignerName", "string", 0, "Name of the signer"),
    col("Requestor", "string", 0, "Name of the requestor"),
    col("RequestedDuration", "string", 0, "Requested duration of the issued certificate"),
    col("Condition", "string", 0, "The condition of the request"),
  ],
  cells: (csr, now) => [
    csr.metadata.name ?? "", age(csr, now), (csr.spec as Json)?.signerName ?? "", (csr.spec as Json)?.username ?? "",
    typeof (csr.spec as Json)?.expirationSeconds === "number" ? humanDuration((csr.spec as Json).expirationSeconds * 1000) : "<none>",
    csrCondition(csr),
  ],
};
