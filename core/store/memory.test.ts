import { createMemoryStore } from "./memory.ts";
import { describeStoreSuite } from "./store-suite.ts";

describeStoreSuite("memory", {
  open: async () => createMemoryStore(),
  cleanup: async () => {},
});
