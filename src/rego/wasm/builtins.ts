/**
 * Builtins implemented natively by the runtime library, by Rego name. Each is exported by the
 * runtime as `opa_b_<name>` with dots replaced by underscores. Every other builtin is delegated
 * to the host through opa_builtinN.
 */
const NAMES = `
  abs all and any array.concat array.reverse array.slice base64.decode base64.encode base64.is_valid
  base64url.decode base64url.encode base64url.encode_no_pad bits.and bits.lsh bits.negate bits.or
  bits.rsh bits.xor ceil concat contains count div endswith equal floor format_int gt gte indexof
  glob.match graph.reachable graph.reachable_paths indexof_n internal.member_2 internal.member_3 internal.template_string intersection is_array is_boolean is_null is_number
  is_object is_set is_string json.filter json.is_valid json.marshal json.marshal_with_options json.remove json.unmarshal lower lt
  lte max min minus mul neq object.subset regex.replace net.cidr_contains net.cidr_contains_matches net.cidr_intersects net.cidr_is_valid net.cidr_overlap
  numbers.range numbers.range_step object.filter object.get object.keys
  object.remove object.union object.union_n or plus product re_match regex.find_all_string_submatch_n
  regex.find_n regex.is_valid regex.match regex.split rem replace round set_diff sort split sprintf
  startswith strings.any_prefix_match strings.any_suffix_match strings.count strings.replace_n
  strings.reverse substring sum to_number trim trim_left trim_prefix trim_right trim_space trim_suffix
  type_name union upper walk
`;

export const NATIVE_BUILTINS: ReadonlyMap<string, string> = new Map(
  NAMES.trim()
    .split(/\s+/)
    .map((name) => [name, `opa_b_${name.replace(/\./g, "_")}`]),
);

/**
 * Host builtins that @open-policy-agent/opa-wasm answers itself, ahead of the host's own
 * builtins: their operands must travel as plain JSON. Every other builtin of OPA's catalog that
 * takes operands is called through opa_rt_hostvN, whose values keep sets distinct from arrays
 * across the boundary (src/rego/runtime/assembly/host.ts; decoded by
 * src/policy/builtins/registry.ts, so a host implementation of one of them must be registered
 * there). Custom builtins (names outside the catalog) are called with plain JSON.
 */
export const SDK_OWNED_BUILTINS: ReadonlySet<string> = new Set([
  "json.is_valid",
  "regex.split",
  "sprintf",
  "yaml.is_valid",
  "yaml.marshal",
  "yaml.unmarshal",
]);
