/** A sealed value is shown as sealed, never as its commitment (whose hash a reader could try to match). */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object' && value !== null && 'commitment' in value) return '(sealed)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
