/**
 * ClusterIP allocation from the service CIDR. The set of used IPs is rebuilt from the stored
 * Services at start (so a restart never reuses an IP a Service holds) and kept in memory.
 * The network and broadcast addresses are never handed out.
 */
import { parseCidr, intToIp, ipToInt, type Ipv4Range } from "./cidr.ts";

export class RangeFullError extends Error {}
export class NotInRangeError extends Error {}
export class AlreadyAllocatedError extends Error {}

export class ClusterIPAllocator {
  readonly range: Ipv4Range;
  private readonly used = new Set<number>();

  constructor(cidr: string) {
    this.range = parseCidr(cidr);
  }

  private offsetOf(ip: string): number {
    const n = ipToInt(ip);
    if (n === undefined || n <= this.range.base || n >= this.range.base + this.range.size - 1) throw new NotInRangeError(ip);
    return n - this.range.base;
  }

  contains(ip: string): boolean {
    try { this.offsetOf(ip); return true; } catch { return false; }
  }

  /** Reserve a specific IP. */
  allocate(ip: string): void {
    const off = this.offsetOf(ip);
    if (this.used.has(off)) throw new AlreadyAllocatedError(ip);
    this.used.add(off);
  }

  /** Reserve a random free IP, preferring the upper part of the range (the lower 1/16 is kept for static picks). */
  allocateNext(): string {
    const usable = this.range.size - 2;
    if (this.used.size >= usable) throw new RangeFullError(this.range.cidr);
    const staticBand = Math.min(Math.max(16, Math.floor(this.range.size / 16)), 256);
    const start = usable > staticBand * 2 ? staticBand : 1;
    const span = usable - start + 1;
    const first = start + Math.floor(Math.random() * span);
    for (let i = 0; i < usable; i++) {
      const off = start + ((first - start + i) % span);
      if (!this.used.has(off)) { this.used.add(off); return intToIp(this.range.base + off); }
    }
    for (let off = 1; off <= usable; off++) if (!this.used.has(off)) { this.used.add(off); return intToIp(this.range.base + off); }
    throw new RangeFullError(this.range.cidr);
  }

  release(ip: string): void {
    const n = ipToInt(ip);
    if (n !== undefined) this.used.delete(n - this.range.base);
  }

  /** Mark an IP used without checking (rebuilding from stored Services). */
  markUsed(ip: string): void {
    if (this.contains(ip)) this.used.add(this.offsetOf(ip));
  }
}
