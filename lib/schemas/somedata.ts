/**
 * The `somedata` event: one user interaction with the API. The payload keeps
 * the seed's answer shape under `items` ({ "0": data, ..., "N-1": data }).
 */
import { z } from 'zod';

/**
 * `data`: 1 to 64 characters, each an ASCII letter, digit, `-` or `_`.
 * Narrow on purpose: it is a Kafka key and lands in MongoDB, so no spaces,
 * dots, `$`, slashes or unicode look-alikes.
 */
const DATA_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_NUMBER = 100;

export const SomedataData = z
  .string()
  .regex(DATA_PATTERN, 'must be 1 to 64 characters, each a letter, digit, - or _')
  .meta({ description: 'What the user asked for, e.g. "car".', example: 'car' });

export const SomedataNumber = z
  .int('must be a whole number')
  .min(1, `must be between 1 and ${MAX_NUMBER}`)
  .max(MAX_NUMBER, `must be between 1 and ${MAX_NUMBER}`)
  .meta({ description: 'How many items to answer with.', example: 3 });

/** The seed's answer: `{ "0": data, "1": data, ... }`. */
export const SomedataItems = z.record(z.string().regex(/^\d{1,3}$/), SomedataData);
export type SomedataItems = z.infer<typeof SomedataItems>;

export const SomedataPayload = z.strictObject({
  data: SomedataData,
  number: SomedataNumber,
  items: SomedataItems,
});
export type SomedataPayload = z.infer<typeof SomedataPayload>;

export function somedataItems(data: string, number: number): SomedataItems {
  return Object.fromEntries(Array.from({ length: number }, (_, index) => [String(index), data]));
}
