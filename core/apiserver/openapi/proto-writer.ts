/** A minimal protobuf wire writer (strings, bools, integers, doubles, nested messages), enough for gnostic documents. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private static readonly enc = new TextEncoder();

  private varint(n: number): void {
    const out: number[] = [];
    let v = n;
    while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
    out.push(v);
    this.chunks.push(Uint8Array.from(out));
  }

  private bytes(field: number, data: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(data.length);
    this.chunks.push(data);
  }

  string(field: number, value: string): void {
    this.bytes(field, ProtoWriter.enc.encode(value));
  }

  bool(field: number, value: boolean): void {
    this.varint(field << 3);
    this.varint(value ? 1 : 0);
  }

  /** An int64 field (varint; negative values as their 64-bit two's complement, as protobuf does). */
  int64(field: number, value: number): void {
    this.varint(field << 3);
    if (value >= 0) { this.varint(value); return; }
    const out: number[] = [];
    let v = BigInt.asUintN(64, BigInt(Math.trunc(value)));
    while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
    out.push(Number(v));
    this.chunks.push(Uint8Array.from(out));
  }

  double(field: number, value: number): void {
    this.varint((field << 3) | 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    this.chunks.push(b);
  }

  message(field: number, fill: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    fill(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    let size = 0;
    for (const c of this.chunks) size += c.length;
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}
