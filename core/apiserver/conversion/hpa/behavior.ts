/**
 * `spec.behavior` in the v1 behavior annotation. Upstream marshals its internal Go type, which
 * has no JSON tags, so the annotation uses Go field names (`ScaleUp`, `StabilizationWindowSeconds`,
 * ...) with `null` for unset pointers; decoding matches names case-insensitively, as Go does.
 */
// biome-ignore lint: behavior is an open JSON document.
type J = Record<string, any>;

const isObj = (v: unknown): v is J => !!v && typeof v === "object" && !Array.isArray(v);

/** Go's field matching: exact name first, else case-insensitive. */
function field(obj: J, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function rulesToGo(rules: unknown): J | null {
  if (!isObj(rules)) return null;
  const out: J = {
    StabilizationWindowSeconds: rules.stabilizationWindowSeconds ?? null,
    SelectPolicy: rules.selectPolicy ?? null,
    Policies: Array.isArray(rules.policies)
      ? rules.policies.map((p: J) => ({ Type: p?.type ?? "", Value: p?.value ?? 0, PeriodSeconds: p?.periodSeconds ?? 0 }))
      : null,
  };
  if (rules.tolerance !== undefined) out.Tolerance = rules.tolerance;
  return out;
}

function rulesFromGo(rules: unknown): J | undefined {
  if (!isObj(rules)) return undefined;
  const out: J = {};
  const window = field(rules, "StabilizationWindowSeconds");
  const select = field(rules, "SelectPolicy");
  const policies = field(rules, "Policies");
  const tolerance = field(rules, "Tolerance");
  if (window !== undefined && window !== null) out.stabilizationWindowSeconds = window;
  if (select !== undefined && select !== null) out.selectPolicy = select;
  if (Array.isArray(policies)) {
    out.policies = policies.filter(isObj).map((p) => ({ type: field(p, "Type") ?? "", value: field(p, "Value") ?? 0, periodSeconds: field(p, "PeriodSeconds") ?? 0 }));
  }
  if (tolerance !== undefined && tolerance !== null) out.tolerance = tolerance;
  return out;
}

/** The annotation text for a v2 behavior. */
export function behaviorToAnnotation(behavior: unknown): string {
  const b = isObj(behavior) ? behavior : {};
  return JSON.stringify({ ScaleUp: rulesToGo(b.scaleUp), ScaleDown: rulesToGo(b.scaleDown) });
}

/** The v2 behavior of a parsed annotation; undefined when malformed or empty (upstream ignores those). */
export function behaviorFromAnnotation(parsed: unknown): J | undefined {
  if (!isObj(parsed)) return undefined;
  const scaleUp = rulesFromGo(field(parsed, "ScaleUp"));
  const scaleDown = rulesFromGo(field(parsed, "ScaleDown"));
  if (!scaleUp && !scaleDown) return undefined;
  const out: J = {};
  if (scaleUp) out.scaleUp = scaleUp;
  if (scaleDown) out.scaleDown = scaleDown;
  return out;
}
