import { T_NULL, T_BOOLEAN, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, mkBool } from "../value";

function isT(v: usize, t: u32): usize {
  return mkBool(load<u32>(v) == t);
}

export function opa_b_is_null(v: usize): usize {
  return isT(v, T_NULL);
}
export function opa_b_is_boolean(v: usize): usize {
  return isT(v, T_BOOLEAN);
}
export function opa_b_is_number(v: usize): usize {
  return isT(v, T_NUMBER);
}
export function opa_b_is_string(v: usize): usize {
  return isT(v, T_STRING);
}
export function opa_b_is_array(v: usize): usize {
  return isT(v, T_ARRAY);
}
export function opa_b_is_object(v: usize): usize {
  return isT(v, T_OBJECT);
}
export function opa_b_is_set(v: usize): usize {
  return isT(v, T_SET);
}
