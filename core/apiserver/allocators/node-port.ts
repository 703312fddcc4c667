/** NodePort allocation from the configured range (inclusive); rebuilt from stored Services at start. */
import { AlreadyAllocatedError, NotInRangeError, RangeFullError } from "./cluster-ip.ts";

export class NodePortAllocator {
  private readonly used = new Set<number>();
  constructor(readonly min: number, readonly max: number) {}

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.min && port <= this.max;
  }

  allocate(port: number): void {
    if (!this.contains(port)) throw new NotInRangeError(String(port));
    if (this.used.has(port)) throw new AlreadyAllocatedError(String(port));
    this.used.add(port);
  }

  allocateNext(): number {
    const span = this.max - this.min + 1;
    if (this.used.size >= span) throw new RangeFullError(`${this.min}-${this.max}`);
    const first = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const p = this.min + ((first + i) % span);
      if (!this.used.has(p)) { this.used.add(p); return p; }
    }
    throw new RangeFullError(`${this.min}-${this.max}`);
  }

  release(port: number): void {
    this.used.delete(port);
  }

  markUsed(port: number): void {
    if (this.contains(port)) this.used.add(port);
  }
}
