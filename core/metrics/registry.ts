/**
 * Prometheus metrics in the text exposition format 0.0.4 (what `/metrics` endpoints serve and
 * Prometheus, metrics-server and `kubectl get --raw /metrics` read).
 *
 * Contract:
 * - A registry holds families by name; a family is a counter, gauge or histogram with fixed label
 *   names. `labels(...values)` returns the child for those values (created on first use, then
 *   found by one Map lookup on the values joined with "\u0000"), so a hot path keeps the child
 *   and pays one addition per event.
 * - Collectors (`registry.collect(fn)`) produce families at scrape time (values read from
 *   elsewhere, such as container stats or object counts); their samples are rendered after the
 *   registered families.
 * - `render()` writes `# HELP`, `# TYPE` and samples, families sorted by name, label values
 *   escaped (backslash, double quote, newline), numbers as Go's strconv prints them (`+Inf`, `NaN`).
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** Name suffix (`_bucket`, `_sum`, `_count`) or "" for the family's own name. */
  readonly suffix?: string;
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds since the epoch, for samples that carry their own timestamp (cAdvisor-style). */
  readonly timestampMs?: number;
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram" | "untyped";
  readonly samples: readonly Sample[];
}

/** Upstream's default buckets for request latencies (apiserver_request_duration_seconds). */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export class Counter {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class Gauge {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
}

export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) { this.counts[i]!++; return; }
    }
  }
}

type Child = Counter | Gauge | Histogram;

class Vec<C extends Child> {
  private readonly children = new Map<string, { values: readonly string[]; child: C }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
    readonly labelNames: readonly string[],
    private readonly make: () => C,
  ) {}

  labels(...values: string[]): C {
    const key = values.join("\u0000");
    let entry = this.children.get(key);
    if (!entry) {
      if (values.length !== this.labelNames.length) throw new Error(`${this.name}: ${this.labelNames.length} label values expected, got ${values.length}`);
      entry = { values, child: this.make() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  family(): Family {
    const samples: Sample[] = [];
    for (const { values, child } of this.children.values()) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => { labels[n] = values[i]!; });
      if (child instanceof Histogram) {
        let cumulative = 0;
        child.buckets.forEach((le, i) => {
          cumulative += child.counts[i]!;
          samples.push({ suffix: "_bucket", labels: { ...labels, le: formatNumber(le) }, value: cumulative });
        });
        samples.push({ suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: child.count });
        samples.push({ suffix: "_sum", labels, value: child.sum });
        samples.push({ suffix: "_count", labels, value: child.count });
      } else {
        samples.push({ labels, value: child.value });
      }
    }
    return { name: this.name, help: this.help, type: this.type, samples };
  }
}

export class MetricsRegistry {
  private readonly vecs = new Map<string, Vec<Child>>();
  private readonly collectors: (() => Family[])[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Vec<Counter> {
    return this.add(new Vec(name, help, "counter", labelNames, () => new Counter()));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Vec<Gauge> {
    return this.add(new Vec(name, help, "gauge", labelNames, () => new Gauge()));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Vec<Histogram> {
    return this.add(new Vec(name, help, "histogram", labelNames, () => new Histogram(buckets)));
  }

  /** Families computed at each scrape. */
  collect(fn: () => Family[]): void {
    this.collectors.push(fn);
  }

  render(): string {
    const families = [...[...this.vecs.values()].map((v) => v.family()), ...this.collectors.flatMap((c) => c())];
    families.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return renderFamilies(families);
  }

  private add<C extends Child>(vec: Vec<C>): Vec<C> {
    if (this.vecs.has(vec.name)) throw new Error(`metric ${vec.name} registered twice`);
    this.vecs.set(vec.name, vec as unknown as Vec<Child>);
    return vec;
  }
}

export type { Vec };

/** The text format of some families, in the order given. */
export function renderFamilies(families: readonly Family[]): string {
  let out = "";
  for (const f of families) {
    out += `# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const names = Object.keys(s.labels);
      const labels = names.length ? `{${names.map((n) => `${n}="${escapeLabel(s.labels[n]!)}"`).join(",")}}` : "";
      out += `${f.name}${s.suffix ?? ""}${labels} ${formatNumber(s.value)}${s.timestampMs === undefined ? "" : ` ${Math.round(s.timestampMs)}`}\n`;
    }
  }
  return out;
}

/** The Content-Type of the text format. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}
