/**
 * TaintToleration: NoSchedule/NoExecute taints must be tolerated
 * ("node(s) had untolerated taint {key: value}"); untolerated PreferNoSchedule taints lower the
 * score (reverse-normalized).
 */
import { Statuses, defineSchedulerPlugin } from "@lite/sdk";
import { findUntoleratedTaint, toleratesTaint } from "../helpers/selectors.ts";
import { NODE_ADD_UPDATE } from "./events.ts";
import { defaultNormalizeScore } from "./normalize.ts";

const FILTER_EFFECTS = ["NoSchedule", "NoExecute"];

export const taintTolerationPlugin = defineSchedulerPlugin({
  name: "TaintToleration",
  weight: 3,
  create: () => ({
    name: "TaintToleration",
    events: [NODE_ADD_UPDATE],
    filter(_s, pod, ni) {
      const taint = findUntoleratedTaint(ni.node.spec?.taints, pod.spec.tolerations, FILTER_EFFECTS);
      return taint ? Statuses.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`) : Statuses.success();
    },
    score(_s, pod, ni) {
      const tolerations = (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === "PreferNoSchedule");
      let n = 0;
      for (const taint of ni.node.spec?.taints ?? []) {
        if (taint.effect === "PreferNoSchedule" && !tolerations.some((t) => toleratesTaint(t, taint))) n++;
      }
      return n;
    },
    normalizeScore(_s, _p, scores) { defaultNormalizeScore(100, true, scores); return Statuses.success(); },
  }),
});
