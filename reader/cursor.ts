/**
 * Page cursors: the sort key of the last item of a page, opaque to clients
 * (base64url JSON). Keyset pagination, not skip/offset: a page starts strictly
 * after the previous page's last key, so an insert anywhere never shifts the
 * items of later pages (none is skipped or repeated), and every page is one
 * bounded index range.
 */
import { ValidationError } from '../lib/errors';

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key of a cursor, checked by `isKey`; a 400 naming `cursor` otherwise. */
export function decodeCursor<K>(cursor: string, isKey: (value: unknown) => value is K): K {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isKey(value)) throw new ValidationError('cursor: must be the nextCursor of a previous page', 'cursor');
  return value;
}
