/**
 * The framework runtime (upstream framework/runtime): the profile's plugins and how each
 * extension point combines them (see sdk/scheduler/plugin.ts). Plugins may be added and removed
 * while the scheduler runs (third-party plugins start after it); a cycle uses the lists as they
 * were when it started.
 */
import {
  Statuses, isRejected, isSuccess, type ClusterEvent, type CycleState, type NodeInfo, type NodeScore, type NodeToStatus, type Pod,
  type PluginStatus, type PodInfo, type PreFilterResult, type SchedulerPlugin,
} from "@lite/sdk";

export interface ProfilePlugin { plugin: SchedulerPlugin; weight: number }

const withPlugin = (s: PluginStatus, plugin: string): PluginStatus => (s.plugin ? s : { ...s, plugin });

export class Framework {
  private entries: ProfilePlugin[] = [];
  private byPoint = new Map<string, ProfilePlugin[]>();

  constructor(readonly schedulerName = "default-scheduler") {}

  add(plugin: SchedulerPlugin, weight = 1, beforeDefaultBinder = false): void {
    if (this.entries.some((e) => e.plugin.name === plugin.name)) throw new Error(`scheduler plugin "${plugin.name}" is already registered`);
    const entry = { plugin, weight };
    // A registered binder goes before DefaultBinder so it gets the first say.
    const binderAt = this.entries.findIndex((e) => e.plugin.name === "DefaultBinder");
    if (beforeDefaultBinder && binderAt >= 0) this.entries.splice(binderAt, 0, entry);
    else this.entries.push(entry);
    this.byPoint.clear();
  }

  remove(name: string): void {
    this.entries = this.entries.filter((e) => e.plugin.name !== name);
    this.byPoint.clear();
  }

  /** Plugin names per extension point. */
  describe(): Record<string, string[]> {
    const points = ["preFilter", "filter", "postFilter", "preScore", "score", "reserve", "permit", "preBind", "bind", "postBind"] as const;
    return Object.fromEntries(points.map((p) => [p, this.at(p).map((e) => e.plugin.name)]));
  }

  events(plugin: string): readonly ClusterEvent[] | undefined {
    return this.entries.find((e) => e.plugin.name === plugin)?.plugin.events;
  }

  private at(point: keyof SchedulerPlugin): ProfilePlugin[] {
    let list = this.byPoint.get(point);
    if (!list) { list = this.entries.filter((e) => typeof e.plugin[point] === "function"); this.byPoint.set(point, list); }
    return list;
  }

  runPreFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { status: PluginStatus; result?: PreFilterResult; plugins: string[] } {
    let result: PreFilterResult | undefined;
    const plugins: string[] = [];
    for (const { plugin } of this.at("preFilter")) {
      let out: { status: PluginStatus; result?: PreFilterResult };
      try { out = plugin.preFilter!(state, pod, nodes); } catch (err) { out = { status: Statuses.error(err as Error) }; }
      if (out.status.code === "Skip") { state.skipFilterPlugins.add(plugin.name); continue; }
      if (!isSuccess(out.status)) return { status: withPlugin(out.status, plugin.name), plugins };
      if (out.result?.nodeNames) {
        plugins.push(plugin.name);
        result = { nodeNames: result?.nodeNames ? new Set([...out.result.nodeNames].filter((n) => result!.nodeNames!.has(n))) : out.result.nodeNames };
        if (result.nodeNames!.size === 0) {
          return { status: { code: "UnschedulableAndUnresolvable", reasons: [`node(s) didn't satisfy plugin(s) [${plugins.join(" ")}] simultaneously`], plugin: plugin.name }, plugins };
        }
      }
    }
    return { status: Statuses.success(), result, plugins };
  }

  runFilter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): PluginStatus {
    const list = this.at("filter");
    for (let i = 0; i < list.length; i++) {
      const plugin = list[i]!.plugin;
      if (state.skipFilterPlugins.has(plugin.name)) continue;
      let s: PluginStatus;
      try { s = plugin.filter!(state, pod, nodeInfo); } catch (err) { s = Statuses.error(err as Error); }
      if (!isSuccess(s)) return withPlugin(s, plugin.name);
    }
    return Statuses.success();
  }

  runPreFilterExtension(kind: "addPod" | "removePod", state: CycleState, pod: Pod, pi: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    for (const { plugin } of this.at("preFilter")) {
      const ext = plugin.preFilterExtensions;
      if (!ext || state.skipFilterPlugins.has(plugin.name)) continue;
      const s = ext[kind](state, pod, pi, nodeInfo);
      if (!isSuccess(s)) return withPlugin(s, plugin.name);
    }
    return Statuses.success();
  }

  async runPostFilter(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ status: PluginStatus; nominatedNodeName?: string }> {
    const messages: string[] = [];
    for (const { plugin } of this.at("postFilter")) {
      let out: { status: PluginStatus; nominatedNodeName?: string };
      try { out = await plugin.postFilter!(state, pod, filtered); } catch (err) { out = { status: Statuses.error(err as Error) }; }
      if (isSuccess(out.status)) return out;
      if (out.status.code === "Error") return { status: withPlugin(out.status, plugin.name) };
      if (out.nominatedNodeName === "") return out;
      messages.push(...out.status.reasons);
    }
    return { status: { code: "Unschedulable", reasons: messages } };
  }

  runPreScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): PluginStatus {
    for (const { plugin } of this.at("preScore")) {
      let s: PluginStatus;
      try { s = plugin.preScore!(state, pod, nodes); } catch (err) { s = Statuses.error(err as Error); }
      if (s.code === "Skip") { state.skipScorePlugins.add(plugin.name); continue; }
      if (!isSuccess(s)) return withPlugin(s, plugin.name);
    }
    return Statuses.success();
  }

  /** Weighted total per node (same order as `nodes`). */
  runScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { totals: number[]; status: PluginStatus } {
    const totals = new Array<number>(nodes.length).fill(0);
    for (const { plugin, weight } of this.at("score")) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      const scores: NodeScore[] = new Array(nodes.length);
      try {
        for (let i = 0; i < nodes.length; i++) scores[i] = { name: nodes[i]!.name, score: plugin.score!(state, pod, nodes[i]!) };
        if (plugin.normalizeScore) {
          const s = plugin.normalizeScore(state, pod, scores);
          if (!isSuccess(s)) return { totals, status: withPlugin(s, plugin.name) };
        }
      } catch (err) {
        return { totals, status: withPlugin(Statuses.error(err as Error), plugin.name) };
      }
      for (let i = 0; i < nodes.length; i++) totals[i]! += scores[i]!.score * weight;
    }
    return { totals, status: Statuses.success() };
  }

  runReserve(state: CycleState, pod: Pod, nodeName: string): PluginStatus {
    for (const { plugin } of this.at("reserve")) {
      let s: PluginStatus;
      try { s = plugin.reserve!(state, pod, nodeName); } catch (err) { s = Statuses.error(err as Error); }
      if (!isSuccess(s)) return withPlugin(s, plugin.name);
    }
    return Statuses.success();
  }

  runUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (const { plugin } of [...this.at("unreserve")].reverse()) {
      try { plugin.unreserve!(state, pod, nodeName); } catch { /* best effort */ }
    }
  }

  /** Success, a rejection, or Wait with the longest timeout asked for. */
  runPermit(state: CycleState, pod: Pod, nodeName: string): { status: PluginStatus; timeoutMs: number; waitingOn: string[] } {
    let timeoutMs = 0;
    const waitingOn: string[] = [];
    for (const { plugin } of this.at("permit")) {
      let out: { status: PluginStatus; timeoutMs?: number };
      try { out = plugin.permit!(state, pod, nodeName); } catch (err) { out = { status: Statuses.error(err as Error) }; }
      if (out.status.code === "Wait") { waitingOn.push(plugin.name); timeoutMs = Math.max(timeoutMs, Math.min(out.timeoutMs ?? 0, 15 * 60_000)); continue; }
      if (!isSuccess(out.status) && out.status.code !== "Skip") return { status: withPlugin(out.status, plugin.name), timeoutMs: 0, waitingOn };
    }
    return { status: waitingOn.length ? Statuses.wait() : Statuses.success(), timeoutMs, waitingOn };
  }

  async runPreBind(state: CycleState, pod: Pod, nodeName: string): Promise<PluginStatus> {
    for (const { plugin } of this.at("preBind")) {
      let s: PluginStatus;
      try { s = await plugin.preBind!(state, pod, nodeName); } catch (err) { s = Statuses.error(err as Error); }
      if (s.code === "Skip") continue;
      if (!isSuccess(s)) return withPlugin(s, plugin.name);
    }
    return Statuses.success();
  }

  async runBind(state: CycleState, pod: Pod, nodeName: string): Promise<PluginStatus> {
    for (const { plugin } of this.at("bind")) {
      let s: PluginStatus;
      try { s = await plugin.bind!(state, pod, nodeName); } catch (err) { s = Statuses.error(err as Error); }
      if (s.code === "Skip") continue;
      return isSuccess(s) ? s : withPlugin(s, plugin.name);
    }
    return Statuses.error("no bind plugin bound the pod");
  }

  runPostBind(state: CycleState, pod: Pod, nodeName: string): void {
    for (const { plugin } of this.at("postBind")) {
      try { plugin.postBind!(state, pod, nodeName); } catch { /* informational */ }
    }
  }
}

export { isRejected };
