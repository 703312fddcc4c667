/** A binary heap keyed by string with removal and update by key (upstream internal/heap). */
export class KeyedHeap<T> {
  private items: { key: string; value: T }[] = [];
  private index = new Map<string, number>();

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number { return this.items.length; }
  has(key: string): boolean { return this.index.has(key); }
  get(key: string): T | undefined { const i = this.index.get(key); return i === undefined ? undefined : this.items[i]!.value; }
  peek(): T | undefined { return this.items[0]?.value; }
  values(): T[] { return this.items.map((i) => i.value); }

  /** Adds or replaces (re-positioning) the value under `key`. */
  upsert(key: string, value: T): void {
    const i = this.index.get(key);
    if (i !== undefined) { this.items[i]!.value = value; this.fix(i); return; }
    this.items.push({ key, value });
    this.index.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    if (!this.items.length) return undefined;
    const top = this.items[0]!;
    this.removeAt(0);
    return top.value;
  }

  delete(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const v = this.items[i]!.value;
    this.removeAt(i);
    return v;
  }

  private removeAt(i: number): void {
    const last = this.items.length - 1;
    this.swap(i, last);
    const gone = this.items.pop()!;
    this.index.delete(gone.key);
    if (i < this.items.length) this.fix(i);
  }
  private fix(i: number): void { if (!this.up(i)) this.down(i); }
  private up(i: number): boolean {
    let moved = false;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i]!.value, this.items[p]!.value)) break;
      this.swap(i, p); i = p; moved = true;
    }
    return moved;
  }
  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && this.less(this.items[l]!.value, this.items[m]!.value)) m = l;
      if (r < n && this.less(this.items[r]!.value, this.items[m]!.value)) m = r;
      if (m === i) return;
      this.swap(i, m); i = m;
    }
  }
  private swap(a: number, b: number): void {
    if (a === b) return;
    const t = this.items[a]!; this.items[a] = this.items[b]!; this.items[b] = t;
    this.index.set(this.items[a]!.key, a); this.index.set(this.items[b]!.key, b);
  }
}
