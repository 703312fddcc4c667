/**
 * Test-only protobuf writer: builds wire bytes from a tiny field list, so tests can state
 * request bodies by field number exactly as the upstream .proto files number them.
 */
export type PbValue =
  | { n: number; varint: number | bigint }
  | { n: number; str: string }
  | { n: number; bytes: Uint8Array }
  | { n: number; msg: PbValue[] }
  | { n: number; double: number };

export function encode(fields: PbValue[]): Uint8Array {
  const out: number[] = [];
  const varint = (v: bigint) => {
    let x = BigInt.asUintN(64, v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      out.push(b);
    } while (x > 0n);
  };
  const len = (b: Uint8Array) => { varint(BigInt(b.length)); out.push(...b); };
  for (const fld of fields) {
    if ("varint" in fld) { varint(BigInt(fld.n << 3)); varint(BigInt(fld.varint)); }
    else if ("double" in fld) {
      varint(BigInt((fld.n << 3) | 1));
      const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, fld.double, true); out.push(...b);
    } else {
      varint(BigInt((fld.n << 3) | 2));
      if ("str" in fld) len(new TextEncoder().encode(fld.str));
      else if ("bytes" in fld) len(fld.bytes);
      else len(encode(fld.msg));
    }
  }
  return new Uint8Array(out);
}

/** map<string,string> entries for field n. */
export function stringMap(n: number, m: Record<string, string>): PbValue[] {
  return Object.entries(m).map(([k, v]) => ({ n, msg: [{ n: 1, str: k }, { n: 2, str: v }] }));
}

/** A full kubectl-style body: magic + runtime.Unknown{typeMeta, raw}. */
export function k8sBody(apiVersion: string, kind: string, raw: PbValue[]): Uint8Array {
  const unknown = encode([
    { n: 1, msg: [{ n: 1, str: apiVersion }, { n: 2, str: kind }] },
    { n: 2, bytes: encode(raw) },
    { n: 3, str: "" },
    { n: 4, str: "" },
  ]);
  const body = new Uint8Array(4 + unknown.length);
  body.set([0x6b, 0x38, 0x73, 0x00]);
  body.set(unknown, 4);
  return body;
}
