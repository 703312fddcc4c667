/**
 * A small semver-range check for the `sdk` field of plugins: `^1`, `^1.2.0`, `~1.0`, `1.x`, `1`,
 * `>=1.0.0`, `<2`, `*`, exact versions, space-separated conjunctions and `||` alternatives.
 */
export function satisfiesRange(version: string, range: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  return range.split("||").some((alternative) =>
    alternative.trim().split(/\s+/).filter(Boolean).every((comparator) => satisfiesComparator(v, comparator)));
}

type Version = [number, number, number];

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Parses "1", "1.2", "1.x", "1.2.3": missing or wildcard parts are undefined. */
function parsePartial(text: string): (number | undefined)[] | undefined {
  const parts = text.replace(/^v/, "").split(".");
  if (parts.length > 3 || parts.some((p) => !/^(\d+|x|X|\*)$/.test(p))) return undefined;
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : undefined));
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function satisfiesComparator(v: Version, comparator: string): boolean {
  if (comparator === "*" || comparator === "x") return true;
  const m = /^(\^|~|>=|<=|>|<|=)?(.+)$/.exec(comparator);
  if (!m) return false;
  const op = m[1] ?? "";
  const partial = parsePartial(m[2]!);
  if (!partial || partial[0] === undefined) return partial !== undefined && partial[0] === undefined; // "*"-like
  const floor: Version = [partial[0] ?? 0, partial[1] ?? 0, partial[2] ?? 0];
  const known = partial.findIndex((p) => p === undefined);
  const precision = known === -1 ? partial.length : known; // how many leading parts were given
  switch (op) {
    case ">=": return compare(v, floor) >= 0;
    case ">": return compare(v, floor) > 0;
    case "<=": return compare(v, floor) <= 0;
    case "<": return compare(v, floor) < 0;
    case "^": {
      if (compare(v, floor) < 0) return false;
      if (floor[0] > 0 || precision === 1) return v[0] === floor[0];
      if (floor[1] > 0 || precision === 2) return v[0] === 0 && v[1] === floor[1];
      return compare(v, floor) === 0;
    }
    case "~":
      if (compare(v, floor) < 0) return false;
      return precision === 1 ? v[0] === floor[0] : v[0] === floor[0] && v[1] === floor[1];
    default:
      // exact or partial ("1", "1.2", "1.x")
      for (let i = 0; i < precision; i++) if (v[i] !== floor[i]) return false;
      return true;
  }
}
