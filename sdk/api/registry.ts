/**
 * An ApiRegistry compiles package declarations into resolved, immutable type specs: refs are
 * checked, kinds gain `apiVersion`/`kind`, `<Kind>List` types are added, inline fields are
 * flattened for JSON lookups. Every generator (valibot, OpenAPI, protobuf, patch metadata)
 * reads a registry, never the raw declarations.
 */
import type { ApiPackageDecl, FieldDecl, ListType, MapType, PatchStrategy, TypeDecl } from "./dsl.ts";
import { parseTypeText, type TypeExpr } from "./type-expr.ts";

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface FieldSpec {
  /** JSON name ("" for inline fields). */
  readonly name: string;
  readonly proto: number;
  readonly type: TypeExpr;
  /** Go pointer: an explicit zero is meaningful (kept when decoding protobuf). */
  readonly pointer: boolean;
  readonly required: boolean;
  readonly inline: boolean;
  readonly doc?: string;
  readonly enum?: readonly string[];
  readonly patch?: PatchStrategy;
  readonly mergeKey?: string;
  readonly listType?: ListType;
  readonly mapKeys?: readonly string[];
  readonly mapType?: MapType;
}

export interface ObjectTypeSpec {
  readonly kind: "object";
  /** `<package id>.<Name>`, e.g. `apps/v1.Deployment`. */
  readonly key: string;
  readonly name: string;
  readonly pkg: ApiPackageDecl;
  /** Upstream-style OpenAPI component name, e.g. `io.k8s.api.apps.v1.Deployment`. */
  readonly openapiName: string;
  readonly doc: string;
  readonly structType?: "atomic" | "granular";
  /** Declared fields in order (inline fields appear once, unflattened). */
  readonly fields: readonly FieldSpec[];
  /** Set on top-level kinds. */
  readonly gvk?: GroupVersionKind;
}

export interface WrappedListTypeSpec {
  readonly kind: "wrappedList";
  readonly key: string;
  readonly name: string;
  readonly pkg: ApiPackageDecl;
  readonly openapiName: string;
  readonly doc: string;
  readonly items: TypeExpr;
}

export type TypeSpec = ObjectTypeSpec | WrappedListTypeSpec;

export interface ApiRegistry {
  readonly packages: readonly ApiPackageDecl[];
  /** The type with this key; throws if unknown (declarations are checked when built). */
  type(key: string): TypeSpec;
  findType(key: string): TypeSpec | undefined;
  /** JSON-visible fields of an object type, inline fields flattened, by JSON name. */
  jsonFields(t: ObjectTypeSpec): ReadonlyMap<string, FieldSpec>;
  /** Type of a top-level kind; `Status`/`DeleteOptions` resolve in every group-version. */
  kindType(group: string, version: string, kind: string): ObjectTypeSpec | undefined;
  /** Kinds (including lists) served in a group-version. */
  kindsOf(group: string, version: string): readonly ObjectTypeSpec[];
  groupVersions(): readonly { group: string; version: string }[];
}

/** Kinds of meta/v1 that every group-version accepts. */
const SHARED_META_KINDS = new Set(["Status", "DeleteOptions"]);

const TYPE_META: Record<string, FieldDecl> = {
  apiVersion: { proto: 0, type: "string", doc: "Group and version of this object's schema, e.g. `apps/v1`." },
  kind: { proto: 0, type: "string", doc: "Kind of this object, in CamelCase, e.g. `Deployment`." },
};

export function createApiRegistry(packages: readonly ApiPackageDecl[]): ApiRegistry {
  const types = new Map<string, TypeSpec>();
  const byGv = new Map<string, ObjectTypeSpec[]>();
  const gvs: { group: string; version: string }[] = [];
  let meta: ApiPackageDecl | undefined;

  for (const pkg of packages) {
    if (pkg.id === "meta/v1") meta = pkg;
    const decls: [string, TypeDecl, GroupVersionKind | undefined][] = [];
    for (const [name, decl] of Object.entries(pkg.types)) decls.push([name, decl, undefined]);
    for (const [kind, opts] of Object.entries(pkg.kinds)) {
      const typeName = opts.type ?? kind;
      const i = decls.findIndex(([n]) => n === typeName);
      const base = decls[i];
      if (!base || base[1].kind !== "object") throw new Error(`${pkg.id}: kind ${kind} has no object type ${typeName}`);
      const gvk = { group: pkg.group, version: pkg.version, kind };
      decls[i] = [typeName, { ...base[1], fields: { ...TYPE_META, ...base[1].fields } }, gvk];
      if (opts.list !== false) {
        decls.push([`${kind}List`, {
          kind: "object", doc: `A list of ${kind} objects.`,
          fields: {
            ...TYPE_META,
            metadata: { proto: 1, type: "meta/v1.ListMeta", doc: "List metadata: resourceVersion and continue token." },
            items: { proto: 2, type: `[]${typeName}`, required: true, doc: `The ${kind} objects.` },
          },
        }, { ...gvk, kind: `${kind}List` }]);
      }
    }
    for (const [name, decl, gvk] of decls) {
      const key = `${pkg.id}.${name}`;
      if (types.has(key)) throw new Error(`duplicate type ${key}`);
      const common = { key, name, pkg, openapiName: `${pkg.openapiPrefix}.${name}`, doc: decl.doc };
      if (decl.kind === "wrappedList") {
        types.set(key, Object.freeze({ ...common, kind: "wrappedList", items: parseTypeText(decl.items, pkg.id).type }));
        continue;
      }
      const fields = Object.entries(decl.fields).map(([jsonName, d]) => compileField(pkg.id, key, jsonName, d));
      const spec: ObjectTypeSpec = Object.freeze({
        ...common, kind: "object" as const, fields: Object.freeze(fields),
        ...(decl.structType ? { structType: decl.structType } : {}), ...(gvk ? { gvk } : {}),
      });
      types.set(key, spec);
      if (gvk) {
        const gvKey = `${gvk.group}/${gvk.version}`;
        if (!byGv.has(gvKey)) { byGv.set(gvKey, []); gvs.push({ group: gvk.group, version: gvk.version }); }
        byGv.get(gvKey)!.push(spec);
      }
    }
  }

  // Every ref must resolve, and inline fields must point at objects.
  const check = (t: TypeExpr, where: string): void => {
    if (t.k === "list" || t.k === "map") return check(t.of, where);
    if (t.k === "ref" && !types.has(t.key)) throw new Error(`${where}: unknown type ${t.key}`);
  };
  for (const t of types.values()) {
    if (t.kind === "wrappedList") { check(t.items, t.key); continue; }
    for (const fld of t.fields) {
      check(fld.type, `${t.key}.${fld.name}`);
      if (fld.inline && (fld.type.k !== "ref" || types.get(fld.type.key)?.kind !== "object")) throw new Error(`${t.key}: inline field must reference an object`);
    }
  }

  const flat = new Map<string, ReadonlyMap<string, FieldSpec>>();
  const jsonFields = (t: ObjectTypeSpec): ReadonlyMap<string, FieldSpec> => {
    const hit = flat.get(t.key);
    if (hit) return hit;
    const m = new Map<string, FieldSpec>();
    for (const fld of t.fields) {
      if (!fld.inline) { m.set(fld.name, fld); continue; }
      const inner = types.get((fld.type as { key: string }).key) as ObjectTypeSpec;
      for (const [n, s] of jsonFields(inner)) m.set(n, s);
    }
    flat.set(t.key, m);
    return m;
  };
  for (const t of types.values()) if (t.kind === "object") jsonFields(t);

  const findType = (key: string) => types.get(key);
  return Object.freeze({
    packages: Object.freeze([...packages]),
    findType,
    type(key: string): TypeSpec {
      const t = types.get(key);
      if (!t) throw new Error(`unknown API type ${key}`);
      return t;
    },
    jsonFields,
    kindType(group: string, version: string, kind: string): ObjectTypeSpec | undefined {
      const hit = byGv.get(`${group}/${version}`)?.find((t) => t.gvk?.kind === kind);
      if (hit) return hit;
      if (meta && SHARED_META_KINDS.has(kind)) return types.get(`${meta.id}.${kind}`) as ObjectTypeSpec | undefined;
      return undefined;
    },
    kindsOf: (group: string, version: string) => byGv.get(`${group}/${version}`) ?? [],
    groupVersions: () => gvs,
  });
}

function compileField(pkgId: string, owner: string, jsonName: string, d: FieldDecl): FieldSpec {
  const { type, pointer } = parseTypeText(d.type, pkgId);
  const isList = type.k === "list";
  if ((d.mapKeys || d.mergeKey) && !isList) throw new Error(`${owner}.${jsonName}: merge/map keys on a non-list`);
  return Object.freeze({
    name: d.inline ? "" : jsonName,
    proto: d.proto, type, pointer,
    required: d.required === true,
    inline: d.inline === true,
    ...(d.doc ? { doc: d.doc } : {}),
    ...(d.enum ? { enum: d.enum } : {}),
    ...(d.patch ? { patch: d.patch } : {}),
    ...(d.mergeKey ? { mergeKey: d.mergeKey } : {}),
    ...(d.listType && isList ? { listType: d.listType } : {}),
    ...(d.mapKeys ? { mapKeys: d.mapKeys } : {}),
    ...(d.mapType && (type.k === "map" || type.k === "ref") ? { mapType: d.mapType } : {}),
  });
}
