/**
 * The few protobuf wire-format rules needed to read CRIU's stats image. A full protobuf
 * library would be a large dependency for two small messages of plain integers.
 */
export type Fields = Map<number, bigint | Uint8Array>;

export function readVarint(buf: Uint8Array, offset: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = offset; i < buf.length; i++) {
    const byte = buf[i]!;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
    if (shift > 63n) break;
  }
  throw new Error('truncated or oversized varint');
}

/** Decodes one message into field number -> last value (varints as bigint, length-delimited as bytes). */
export function decodeMessage(buf: Uint8Array): Fields {
  const fields: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const key = readVarint(buf, pos);
    pos = key.next;
    const field = Number(key.value >> 3n);
    const wire = Number(key.value & 7n);
    if (wire === 0) {
      const v = readVarint(buf, pos);
      fields.set(field, v.value);
      pos = v.next;
    } else if (wire === 2) {
      const len = readVarint(buf, pos);
      const end = len.next + Number(len.value);
      if (end > buf.length) throw new Error('truncated length-delimited field');
      fields.set(field, buf.subarray(len.next, end));
      pos = end;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
  return fields;
}

export function num(fields: Fields, field: number): number | undefined {
  const v = fields.get(field);
  return typeof v === 'bigint' ? Number(v) : undefined;
}
