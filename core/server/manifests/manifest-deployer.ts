/**
 * Auto-deploying manifests (K3s' deploy controller, `/var/lib/rancher/k3s/server/manifests`): every
 * `*.yaml`, `*.yml` and `*.json` file under `<data-dir>/server/manifests/` (subdirectories included;
 * dotfiles skipped, and any file with an empty `<file-name>.skip` beside it) is applied at start, then
 * again whenever it changes (a change wakes the deployer at once; the directory is also rescanned every
 * 15 s, as K3s does). Applying is server-side apply with field manager `lite-deploy`, forced, object by
 * object in file order (a multi-document YAML file or a `List`); a namespaced object without a namespace
 * goes to `default`. A file that fails (bad YAML, an unknown kind, a rejected object) is logged and
 * retried (after 2 s, doubling up to the rescan period), so a custom resource whose CRD is in the same
 * file lands once the CRD is served. As in K3s, an object removed from a file is deleted once the
 * file applies again (what each file applied is kept in `stateFile`, so this holds across restarts),
 * while deleting a file deletes nothing. With `addons`, each file is recorded as K3s records it: an
 * `Addon` in kube-system with its source, the checksum of what applied, and Events (addon-records.ts).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { isNotFound, type ApiClient, type ApiResource, type KubeObject, type Logger } from "@lite/sdk";
import { sha256Hex, type AddonRecords } from "./addon-records.ts";

export const FIELD_MANAGER = "lite-deploy";
const RESCAN_MS = 15_000;
const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"];

export interface ManifestDeployer {
  /** Scans now (after a pending scan ends); resolves when done. */
  scan(): Promise<void>;
  stop(): Promise<void>;
}

export interface ManifestDeployerOptions {
  dir: string;
  /** Where what each file applied is recorded (JSON), for pruning; absent: nothing is pruned. */
  stateFile?: string;
  /** An API client with the rights to write whatever the manifests hold (an admin). */
  client: ApiClient;
  log: Logger;
  rescanMs?: number;
  /** K3s' Addon objects and their Events; absent: none are written. */
  addons?: AddonRecords;
}

/** An error's text, for logs and Events. */
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The manifest files under `dir`, sorted by path, skipping dotfiles and files with a `.skip` twin. */
export function manifestFiles(dir: string): string[] {
  const files: string[] = [];
  const skips = new Set<string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const path = join(d, entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isDirectory());
      if (isDir) walk(path);
      else if (entry.name.endsWith(".skip")) skips.add(join(d, entry.name.slice(0, -".skip".length)));
      else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) files.push(path);
    }
  };
  walk(dir);
  return files.filter((f) => !skips.has(f)).sort();
}

/** The objects of a manifest file: YAML documents (or JSON), `List`s flattened, empty documents dropped. */
export function manifestObjects(path: string, text: string): KubeObject[] {
  let docs: unknown[];
  try {
    // Bun.YAML.parse gives an array for a multi-document file (and for a top-level sequence, whose items are then checked alike).
    const parsed: unknown = path.endsWith(".json") ? JSON.parse(text) : Bun.YAML.parse(text);
    docs = !path.endsWith(".json") && Array.isArray(parsed) ? parsed : [parsed];
  } catch (err) {
    throw new Error(`cannot parse: ${message(err)}`);
  }
  const objects: KubeObject[] = [];
  const add = (doc: unknown, where: string) => {
    if (doc === null || doc === undefined) return;
    if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${where}: not an object`);
    const o = doc as KubeObject & { items?: unknown[] };
    if (typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o.items)) {
      o.items.forEach((item, i) => add(item, `${where} item ${i}`));
      return;
    }
    if (!o.apiVersion || !o.kind) throw new Error(`${where}: apiVersion and kind are required`);
    if (!o.metadata?.name) throw new Error(`${where}: ${o.kind} has no metadata.name`);
    objects.push(o);
  };
  docs.forEach((doc, i) => add(doc, `document ${i + 1}`));
  return objects;
}

/** An object a manifest file applied. */
interface AppliedRef { apiVersion: string; kind: string; namespace?: string; name: string }
/** Identity of an applied object across versions of its group. */
const refKey = (r: AppliedRef) => `${r.apiVersion.includes("/") ? r.apiVersion.slice(0, r.apiVersion.indexOf("/")) : ""}/${r.kind}/${r.namespace ?? ""}/${r.name}`;

function loadState(file: string | undefined): Map<string, AppliedRef[]> {
  if (!file) return new Map();
  try {
    return new Map(Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, AppliedRef[]>));
  } catch {
    return new Map(); // none yet (or unreadable: nothing is pruned until files apply again)
  }
}

function saveState(file: string | undefined, state: Map<string, AppliedRef[]>): void {
  if (!file) return;
  const temp = `${file}.tmp`;
  writeFileSync(temp, `${JSON.stringify(Object.fromEntries(state), null, 1)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

export function startManifestDeployer(options: ManifestDeployerOptions): ManifestDeployer {
  const { dir, client, log } = options;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  /** path -> what was applied successfully (mtime and size of the file then). */
  const applied = new Map<string, string>();
  let resources = new Map<string, ApiResource>();
  /** path -> the objects the file applied last time (apiVersion, kind, namespace, name). */
  const appliedObjects = loadState(options.stateFile);
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  const resourceKey = (group: string, kind: string) => `${group}/${kind}`;
  const refreshDiscovery = async () => {
    const found = await client.discover();
    resources = new Map(found.resources.map((r) => [resourceKey(r.group, r.kind), r]));
  };

  /** The served resource of `apiVersion`/`kind` and where an object of it lives. */
  async function target(apiVersion: string, kind: string, namespace: string | undefined) {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) as [string, string] : ["", apiVersion];
    let resource = resources.get(resourceKey(group, kind));
    if (!resource) {
      await refreshDiscovery(); // e.g. a CRD applied just before
      resource = resources.get(resourceKey(group, kind));
    }
    if (!resource) throw new Error(`no resource for ${kind} in ${apiVersion} is served`);
    return { group, version, resource: resource.resource, ...(resource.namespaced ? { namespace: namespace || "default" } : {}) };
  }

  async function applyObject(obj: KubeObject): Promise<AppliedRef> {
    const t = await target(obj.apiVersion!, obj.kind!, obj.metadata.namespace);
    const body = t.namespace ? { ...obj, metadata: { ...obj.metadata, namespace: t.namespace } } : obj;
    await client.patch({ ...t, name: obj.metadata.name! }, "apply", body, { fieldManager: FIELD_MANAGER, force: true });
    return { apiVersion: obj.apiVersion!, kind: obj.kind!, ...(t.namespace ? { namespace: t.namespace } : {}), name: obj.metadata.name! };
  }

  async function deploy(path: string): Promise<void> {
    const { addons } = options;
    const addon = await addons?.begin(path);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      addons?.event(addon, "Warning", "ReadManifestFailed", `Read manifest at "${path}" failed: ${message(err)}`);
      throw err;
    }
    let objects: KubeObject[];
    try {
      objects = manifestObjects(path, text);
    } catch (err) {
      addons?.event(addon, "Warning", "ParseManifestFailed", `Parse manifest at "${path}" failed: ${message(err)}`);
      throw err;
    }
    addons?.event(addon, "Normal", "ApplyingManifest", `Applying manifest at "${path}"`);
    try {
      await applyAll(path, objects);
    } catch (err) {
      addons?.event(addon, "Warning", "ApplyManifestFailed", `Applying manifest at "${path}" failed: ${message(err)}`);
      throw err;
    }
    addons?.event(addon, "Normal", "AppliedManifest", `Applied manifest at "${path}"`);
    if (addon) await addons?.applied(addon, sha256Hex(text), objects);
  }

  /** Applies a file's objects in order, then deletes what it applied before and holds no more. */
  async function applyAll(path: string, objects: KubeObject[]): Promise<void> {
    const refs: AppliedRef[] = [];
    for (const obj of objects) {
      try {
        refs.push(await applyObject(obj));
      } catch (err) {
        throw new Error(`${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}: ${message(err)}`);
      }
    }
    // Objects the file applied before and holds no more go (K3s prunes what the Addon owned).
    const kept = new Set(refs.map(refKey));
    let pruned = 0;
    for (const old of appliedObjects.get(path) ?? []) {
      if (kept.has(refKey(old))) continue;
      try {
        const t = await target(old.apiVersion, old.kind, old.namespace);
        await client.delete({ ...t, name: old.name });
        pruned++;
      } catch (err) {
        if (!isNotFound(err) && !/no resource for/.test(String(err))) throw new Error(`pruning ${old.kind} ${old.namespace ? `${old.namespace}/` : ""}${old.name}: ${message(err)}`);
      }
    }
    appliedObjects.set(path, refs);
    saveState(options.stateFile, appliedObjects);
    log.info("applied manifest", { path, objects: objects.length, ...(pruned ? { pruned } : {}) });
  }

  let retryMs = 0;
  let retryTimer: Timer | undefined;

  /** Returns whether every file is applied. */
  async function scanOnce(): Promise<boolean> {
    await options.addons?.ensureServed();
    let files: string[];
    try {
      files = manifestFiles(dir);
    } catch (err) {
      log.warn("cannot read the manifests directory", { dir, error: String(err) });
      return false;
    }
    let allApplied = true;
    for (const path of files) {
      if (stopped) return true;
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      const stamp = `${st.mtimeMs}:${st.size}`;
      if (applied.get(path) === stamp) continue;
      try {
        await deploy(path);
        applied.set(path, stamp);
      } catch (err) {
        applied.delete(path);
        allApplied = false;
        log.error("could not apply manifest; retrying at the next scan", { path, error: message(err) });
      }
    }
    return allApplied;
  }

  function scan(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let allApplied = true;
      do {
        again = false;
        allApplied = await scanOnce();
      } while (again && !stopped);
      clearTimeout(retryTimer);
      if (allApplied || stopped) {
        retryMs = 0;
      } else {
        retryMs = Math.min(retryMs ? retryMs * 2 : 2_000, options.rescanMs ?? RESCAN_MS);
        retryTimer = setTimeout(() => void scan(), retryMs);
      }
    })().finally(() => { running = undefined; });
    return running;
  }

  let debounce: Timer | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { recursive: true }, () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => void scan(), 300);
    });
    watcher.on("error", () => {});
  } catch {
    watcher = undefined; // the periodic rescan still runs
  }
  const timer = setInterval(() => void scan(), options.rescanMs ?? RESCAN_MS);
  void scan();

  return {
    scan,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(debounce);
      clearTimeout(retryTimer);
      watcher?.close();
      await running;
    },
  };
}
