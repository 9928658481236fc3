/** RFC 6901 JSON Pointers: `""` is the whole document, `/a/0/b~1c` walks members and array indexes. */

/** True when the text is a syntactically valid JSON Pointer. */
export function isJsonPointer(pointer: string): boolean {
  return pointer === '' || (pointer.startsWith('/') && !/~(?![01])/.test(pointer));
}

/**
 * The value at the pointer, or undefined when a step is missing.
 * @throws Error for a malformed pointer (validate with isJsonPointer first).
 */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (!isJsonPointer(pointer)) throw new Error(`Invalid JSON Pointer: ${pointer}`);
  if (pointer === '') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    // ~1 first, then ~0 (RFC 6901 §4): "~01" means "~1", not "/".
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}
