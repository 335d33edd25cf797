/** Whether a request body or a reply payload is a stream (a scrub's list, a streamed answer), not a value. */
export function isStream(value: unknown): boolean {
  return typeof (value as { pipe?: unknown } | null)?.pipe === 'function';
}
