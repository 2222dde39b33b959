/**
 * Frames a payload with any {@link HeaderLayout}: the one place the client
 * builds a header, so `send()` works for v1 and for foreign framings alike.
 */
import { type HeaderLayout, maxSizeFieldValue, writeUIntAt } from '../../protocol/index.ts';
import { ClientError, ClientErrorCode } from './errors.ts';

/** Largest value an unsigned field of `width` bytes holds. */
function maxOfWidth(width: 1 | 2 | 4): number {
  return width === 1 ? 0xff : width === 2 ? 0xffff : 0xffff_ffff;
}

/**
 * Returns header + payload as one new buffer. Header bytes other than size
 * and id are zero. Throws NMT_CLIENT_INVALID_ARGUMENT when the id or the
 * size does not fit the layout's fields.
 */
export function framePacket(layout: HeaderLayout, id: number, payload: Uint8Array): Buffer {
  const maxId = maxOfWidth(layout.idWidth);
  if (!Number.isInteger(id) || id < 0 || id > maxId) {
    throw new ClientError(
      ClientErrorCode.INVALID_ARGUMENT,
      `packet id must be an integer from 0 to ${maxId} for a ${layout.idWidth}-byte id field, got ${id}`,
    );
  }
  const size = layout.headerSize + payload.length;
  const field = layout.sizeIncludesHeader ? size : payload.length;
  const maxField = maxSizeFieldValue(layout);
  if (field > maxField) {
    throw new ClientError(
      ClientErrorCode.INVALID_ARGUMENT,
      `a ${payload.length}-byte payload does not fit the ${layout.sizeWidth}-byte size field ` +
        `(largest ${layout.sizeIncludesHeader ? 'packet' : 'payload'}: ${maxField} bytes)`,
    );
  }
  const buf = Buffer.allocUnsafe(size);
  buf.fill(0, 0, layout.headerSize);
  writeUIntAt(buf, field, layout.sizeOffset, layout.sizeWidth, layout.littleEndian);
  writeUIntAt(buf, id, layout.idOffset, layout.idWidth, layout.littleEndian);
  buf.set(payload, layout.headerSize);
  return buf;
}
