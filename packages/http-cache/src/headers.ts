// Header fields as the engine holds them (lower-case names) and reading one as a single value.
/**
 * HTTP header fields as Node's `IncomingHttpHeaders` holds them: lower-case names, each value a string
 * or (for repeated fields) an array of strings.
 */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** The field's lines joined with `, ` (RFC 9110 §5.3), or `undefined` when absent. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(', ');
}
