/**
 * A minimal protobuf wire-format reader (varint, 64-bit, length-delimited, 32-bit). Reads from
 * a Uint8Array without copying; every read checks bounds and throws ProtobufWireError.
 */

export class ProtobufWireError extends Error {
  override readonly name = "ProtobufWireError";
}

export const WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5;

export interface FieldTag {
  readonly field: number;
  readonly wire: number;
}

export class WireReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** Unsigned varint as a bigint (up to 64 bits). */
  varint(): bigint {
    let result = 0n, shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new ProtobufWireError("truncated varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufWireError("varint longer than 10 bytes");
  }

  tag(): FieldTag {
    const t = this.varint();
    const field = Number(t >> 3n), wire = Number(t & 7n);
    if (field === 0) throw new ProtobufWireError("field number 0");
    return { field, wire };
  }

  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new ProtobufWireError("truncated length-delimited field");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  fixed64(): DataView {
    if (this.pos + 8 > this.buf.length) throw new ProtobufWireError("truncated fixed64");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return v;
  }

  fixed32(): DataView {
    if (this.pos + 4 > this.buf.length) throw new ProtobufWireError("truncated fixed32");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4);
    this.pos += 4;
    return v;
  }

  /** Skips a field's value of the given wire type. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(); return;
      case WIRE_FIXED64: this.fixed64(); return;
      case WIRE_LEN: this.bytes(); return;
      case WIRE_FIXED32: this.fixed32(); return;
      default: throw new ProtobufWireError(`unsupported wire type ${wire}`);
    }
  }
}
