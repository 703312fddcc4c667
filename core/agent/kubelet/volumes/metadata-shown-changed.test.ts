import { expect, test } from "bun:test";
import type { Pod } from "../pod-types.ts";
import { metadataShownChanged } from "./metadata-shown-changed.ts";

const pod = (labels: Record<string, string>, volumes: unknown[], annotations?: Record<string, string>) =>
  ({ metadata: { name: "p", labels, ...(annotations ? { annotations } : {}) }, spec: { containers: [], volumes } }) as unknown as Pod;
const downward = { name: "d", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } };
const projected = { name: "p", projected: { sources: [{ configMap: { name: "c" } }, { downwardAPI: { items: [] } }] } };
const configMapOnly = { name: "c", configMap: { name: "c" } };

test("a label or annotation change of a pod with downwardAPI data (volume or projected source) asks for a refresh", () => {
  expect(metadataShownChanged(pod({ a: "1" }, [downward]), pod({ a: "2" }, [downward]))).toBe(true);
  expect(metadataShownChanged(pod({}, [projected]), pod({}, [projected], { x: "y" }))).toBe(true);
  expect(metadataShownChanged(pod({ a: "1" }, [downward]), pod({ a: "1" }, [downward]))).toBe(false);
  expect(metadataShownChanged(pod({ a: "1" }, [configMapOnly]), pod({ a: "2" }, [configMapOnly]))).toBe(false);
});
