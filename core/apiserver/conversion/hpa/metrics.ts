/**
 * Metric specs and statuses between autoscaling/v2 (`target`/`current` MetricTarget and
 * MetricValueStatus, `metric` identifiers, `describedObject`) and the flat autoscaling/v1 shapes
 * carried in annotations (`targetAverageValue`, `metricName`, `target` object reference, ...).
 * Field mapping as upstream pkg/apis/autoscaling/v1/conversion.go; absent values stay absent
 * (upstream writes Go zero quantities as "0", which would not round-trip).
 */
// biome-ignore lint: metrics are open JSON documents.
type J = Record<string, any>;

/** Drop undefined members so absent fields stay absent in JSON. */
function compact(obj: J): J {
  const out: J = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out;
}

const METRIC_KEYS: Record<string, string> = {
  Object: "object", Pods: "pods", Resource: "resource", ContainerResource: "containerResource", External: "external",
};

/** Apply `f` to the type-specific member of a metric (`resource`, `pods`, ...), keeping `type`. */
function mapMember(metric: J, f: (type: string, member: J) => J): J {
  const type = String(metric.type ?? "");
  const key = METRIC_KEYS[type];
  const out: J = { type };
  if (key && metric[key] && typeof metric[key] === "object") out[key] = f(type, metric[key] as J);
  return out;
}

function targetType(primary: unknown, ifPresent: string, otherwise: string): string {
  return primary === undefined || primary === null ? otherwise : ifPresent;
}

export function specToV1(metric: J): J {
  return mapMember(metric, (type, m) => {
    const t: J = m.target ?? {};
    const id: J = m.metric ?? {};
    switch (type) {
      case "Object": return compact({ target: m.describedObject, metricName: id.name, targetValue: t.value, selector: id.selector, averageValue: t.averageValue });
      case "Pods": return compact({ metricName: id.name, targetAverageValue: t.averageValue, selector: id.selector });
      case "Resource": return compact({ name: m.name, targetAverageUtilization: t.averageUtilization, targetAverageValue: t.averageValue });
      case "ContainerResource": return compact({ name: m.name, targetAverageUtilization: t.averageUtilization, targetAverageValue: t.averageValue, container: m.container });
      default: return compact({ metricName: id.name, metricSelector: id.selector, targetValue: t.value, targetAverageValue: t.averageValue });
    }
  });
}

export function specFromV1(metric: J): J {
  return mapMember(metric, (type, m) => {
    switch (type) {
      case "Object": return compact({
        describedObject: m.target, metric: compact({ name: m.metricName, selector: m.selector }),
        target: compact({ type: targetType(m.averageValue, "AverageValue", "Value"), value: m.targetValue, averageValue: m.averageValue }),
      });
      case "Pods": return compact({
        metric: compact({ name: m.metricName, selector: m.selector }), target: compact({ type: "AverageValue", averageValue: m.targetAverageValue }),
      });
      case "Resource":
      case "ContainerResource": return compact({
        name: m.name, container: m.container,
        target: compact({ type: targetType(m.targetAverageUtilization, "Utilization", "AverageValue"), averageUtilization: m.targetAverageUtilization, averageValue: m.targetAverageValue }),
      });
      default: return compact({
        metric: compact({ name: m.metricName, selector: m.metricSelector }),
        target: compact({ type: targetType(m.targetValue, "Value", "AverageValue"), value: m.targetValue, averageValue: m.targetAverageValue }),
      });
    }
  });
}

export function statusToV1(metric: J): J {
  return mapMember(metric, (type, m) => {
    const c: J = m.current ?? {};
    const id: J = m.metric ?? {};
    switch (type) {
      case "Object": return compact({ target: m.describedObject, metricName: id.name, currentValue: c.value, selector: id.selector, averageValue: c.averageValue });
      case "Pods": return compact({ metricName: id.name, currentAverageValue: c.averageValue, selector: id.selector });
      case "Resource": return compact({ name: m.name, currentAverageUtilization: c.averageUtilization, currentAverageValue: c.averageValue });
      case "ContainerResource": return compact({ name: m.name, currentAverageUtilization: c.averageUtilization, currentAverageValue: c.averageValue, container: m.container });
      default: return compact({ metricName: id.name, metricSelector: id.selector, currentValue: c.value, currentAverageValue: c.averageValue });
    }
  });
}

export function statusFromV1(metric: J): J {
  return mapMember(metric, (type, m) => {
    switch (type) {
      case "Object": return compact({
        describedObject: m.target, metric: compact({ name: m.metricName, selector: m.selector }),
        current: compact({ value: m.currentValue, averageValue: m.averageValue }),
      });
      case "Pods": return compact({ metric: compact({ name: m.metricName, selector: m.selector }), current: compact({ averageValue: m.currentAverageValue }) });
      case "Resource":
      case "ContainerResource": return compact({
        name: m.name, container: m.container, current: compact({ averageValue: m.currentAverageValue, averageUtilization: m.currentAverageUtilization }),
      });
      default: return compact({ metric: compact({ name: m.metricName, selector: m.metricSelector }), current: compact({ value: m.currentValue, averageValue: m.currentAverageValue }) });
    }
  });
}
