/**
 * Freezes a value and everything it holds, for objects shared between requests (the engine's
 * outcomes, the allow responses built from them): a consumer that tried to change one would throw
 * (and deny) instead of leaking the change into other requests. Typed arrays cannot be frozen and
 * are left as they are.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    if (ArrayBuffer.isView(value)) return value;
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
