/**
 * Data shared between a plugin's extension points during one scheduling cycle of one pod
 * (upstream CycleState). Keys are namespaced by convention ("PreFilterNodeResourcesFit").
 * Values written in PreFilter are read in Filter from many nodes at once: treat them as
 * read-only after PreFilter, or clone them (`clone` on the value) when the framework clones the
 * state (preemption evaluates "what if" copies).
 */
export interface StateData {
  /** A copy safe to mutate independently (called when the cycle state is cloned). */
  clone(): StateData;
}

export interface CycleState {
  read<T extends StateData>(key: string): T | undefined;
  write(key: string, value: StateData): void;
  delete(key: string): void;
  clone(): CycleState;
  /** Plugins whose PreFilter returned Skip: their Filter is not called in this cycle. */
  readonly skipFilterPlugins: Set<string>;
  readonly skipScorePlugins: Set<string>;
}

export function createCycleState(): CycleState {
  const data = new Map<string, StateData>();
  const state: CycleState = {
    read: <T extends StateData>(key: string) => data.get(key) as T | undefined,
    write: (key, value) => { data.set(key, value); },
    delete: (key) => { data.delete(key); },
    clone() {
      const c = createCycleState();
      for (const [k, v] of data) c.write(k, v.clone());
      for (const p of state.skipFilterPlugins) c.skipFilterPlugins.add(p);
      for (const p of state.skipScorePlugins) c.skipScorePlugins.add(p);
      return c;
    },
    skipFilterPlugins: new Set(),
    skipScorePlugins: new Set(),
  };
  return state;
}
