import { MASKED_VALUE } from './mask-field-drift.js';

/** `text` (an API error, say) with every protected value in it replaced by the mask. Pure. */
export function maskProtectedText(text: string, protectedValues: readonly string[]): string {
  let out = text;
  for (const value of protectedValues) {
    if (value.length > 0) out = out.split(value).join(MASKED_VALUE);
  }
  return out;
}
