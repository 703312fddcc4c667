/** What a zone (cluster, hosts, forward) answers for one question, before it becomes a message. */
import type { ResourceRecord } from "../dns/message.ts";

export interface ZoneAnswer {
  rcode: number;
  /** Authoritative answer (AA). */
  authoritative: boolean;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  /**
   * The answer ends in a CNAME whose target this zone does not hold (an ExternalName Service):
   * the caller resolves `chase` for the same type and appends what it finds.
   */
  chase?: string;
}

export function answerOf(rcode: number, answers: ResourceRecord[] = [], authorities: ResourceRecord[] = [], additionals: ResourceRecord[] = [], authoritative = true): ZoneAnswer {
  return { rcode, authoritative, answers, authorities, additionals };
}
