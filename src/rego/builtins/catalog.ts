/**
 * The catalog of Rego built-in functions of OPA 1.x: name, number of arguments, and how the
 * compiler may use them. The check stage rejects calls to names not listed here (unless a user
 * function or an import provides them), arity mismatches, and deprecated built-ins (which OPA 1.x
 * rejects). Sources: OPA's policy reference (built-in functions) and the OPA conformance cases.
 */

export interface BuiltinSignature {
  /** Rego name, e.g. "time.now_ns". */
  name: string;
  /** Number of arguments (the output, when there is one, is not counted). */
  arity: number;
  /**
   * true for relations: the call may produce several outputs (OPA's `walk`); false for
   * functions that produce at most one value.
   */
  relation: boolean;
  /** print takes any number of arguments; no other built-in does. */
  variadic?: boolean;
  /** Deprecated: OPA 1.x rejects calls to it at compile time. */
  deprecated?: boolean;
  /** Infix operator spelling, for operators (`==` for equal). */
  infix?: string;
  /** Needs the outside world (network, clock, randomness): evaluated by the host. */
  nondeterministic?: boolean;
}

/** name:arity entries, grouped as in OPA's reference. `!` marks deprecated, `~` non-deterministic. */
const TABLE = `
eq:2 assign:2 equal:2 neq:2 lt:2 lte:2 gt:2 gte:2
plus:2 minus:2 mul:2 div:2 rem:2 and:2 or:2
abs:1 ceil:1 floor:1 round:1 numbers.range:2 numbers.range_step:3 ~rand.intn:2
bits.or:2 bits.and:2 bits.negate:1 bits.xor:2 bits.lsh:2 bits.rsh:2
count:1 sum:1 product:1 max:1 min:1 sort:1 !all:1 !any:1
array.concat:2 array.slice:3 array.reverse:1
intersection:1 union:1 !set_diff:2
object.get:3 object.keys:1 object.remove:2 object.subset:2 object.union:2 object.union_n:1 object.filter:2
json.filter:2 json.remove:2 json.patch:2
concat:2 contains:2 endswith:2 format_int:2 indexof:2 indexof_n:2 lower:1 upper:1 replace:3 split:2
sprintf:2 startswith:2 substring:3 trim:2 trim_left:2 trim_prefix:2 trim_right:2 trim_suffix:2 trim_space:1
strings.any_prefix_match:2 strings.any_suffix_match:2 strings.count:2 strings.render_template:2
strings.replace_n:2 strings.reverse:1
regex.match:2 regex.is_valid:1 regex.find_all_string_submatch_n:3 regex.find_n:3 regex.globs_match:2
regex.replace:3 regex.split:2 regex.template_match:4 !re_match:2
glob.match:3 glob.quote_meta:1
to_number:1 !cast_array:1 !cast_set:1 !cast_string:1 !cast_boolean:1 !cast_null:1 !cast_object:1
is_number:1 is_string:1 is_boolean:1 is_array:1 is_set:1 is_object:1 is_null:1 type_name:1
base64.encode:1 base64.decode:1 base64.is_valid:1 base64url.encode:1 base64url.encode_no_pad:1 base64url.decode:1
hex.encode:1 hex.decode:1
urlquery.encode:1 urlquery.encode_object:1 urlquery.decode:1 urlquery.decode_object:1
json.marshal:1 json.marshal_with_options:2 json.unmarshal:1 json.is_valid:1 json.verify_schema:1 json.match_schema:2
yaml.marshal:1 yaml.unmarshal:1 yaml.is_valid:1
units.parse:1 units.parse_bytes:1
~time.now_ns:0 time.parse_ns:2 time.parse_rfc3339_ns:1 time.parse_duration_ns:1 time.format:1 time.date:1
time.clock:1 time.weekday:1 time.add_date:4 time.diff:2
crypto.x509.parse_certificates:1 crypto.x509.parse_and_verify_certificates:1
crypto.x509.parse_and_verify_certificates_with_options:2 crypto.x509.parse_certificate_request:1
crypto.x509.parse_keypair:2 crypto.x509.parse_rsa_private_key:1 crypto.parse_private_keys:1
crypto.md5:1 crypto.sha1:1 crypto.sha256:1
crypto.hmac.md5:2 crypto.hmac.sha1:2 crypto.hmac.sha256:2 crypto.hmac.sha512:2 crypto.hmac.equal:2
io.jwt.verify_rs256:2 io.jwt.verify_rs384:2 io.jwt.verify_rs512:2 io.jwt.verify_ps256:2 io.jwt.verify_ps384:2
io.jwt.verify_ps512:2 io.jwt.verify_es256:2 io.jwt.verify_es384:2 io.jwt.verify_es512:2 io.jwt.verify_hs256:2
io.jwt.verify_hs384:2 io.jwt.verify_hs512:2 io.jwt.verify_eddsa:2 io.jwt.decode:1 ~io.jwt.decode_verify:2
~io.jwt.encode_sign:3 ~io.jwt.encode_sign_raw:3
net.cidr_contains:2 net.cidr_contains_matches:2 net.cidr_expand:1 net.cidr_intersects:2 net.cidr_merge:1
net.cidr_is_valid:1 ~net.lookup_ip_addr:1 !net.cidr_overlap:2
~uuid.rfc4122:1 uuid.parse:1 uri.is_valid:1
semver.is_valid:1 semver.compare:2
graphql.is_valid:2 graphql.parse:2 graphql.parse_and_verify:2 graphql.parse_query:1 graphql.parse_schema:1
graphql.schema_is_valid:1
~http.send:1 ~opa.runtime:0 trace:1 ~providers.aws.sign_req:3
rego.parse_module:2 rego.metadata.chain:0 rego.metadata.rule:0
graph.reachable:2 graph.reachable_paths:2
internal.member_2:2 internal.member_3:3 internal.print:1 internal.template_string:1
`;

const INFIX: Record<string, string> = {
  eq: "=",
  assign: ":=",
  equal: "==",
  neq: "!=",
  lt: "<",
  lte: "<=",
  gt: ">",
  gte: ">=",
  plus: "+",
  minus: "-",
  mul: "*",
  div: "/",
  rem: "%",
  and: "&",
  or: "|",
  "internal.member_2": "in",
  "internal.member_3": "in",
};

function build(): Map<string, BuiltinSignature> {
  const out = new Map<string, BuiltinSignature>();
  for (const entry of TABLE.split(/\s+/)) {
    if (!entry) continue;
    const m = /^([!~]?)([a-z_][a-z0-9_.]*):(\d+)$/.exec(entry);
    if (!m) throw new Error(`builtin catalog: bad entry ${entry}`);
    const [, flag, name, arity] = m as unknown as [string, string, string, string];
    const sig: BuiltinSignature = { name, arity: Number(arity), relation: false };
    if (flag === "!") sig.deprecated = true;
    if (flag === "~") sig.nondeterministic = true;
    const infix = INFIX[name];
    if (infix) sig.infix = infix;
    out.set(name, sig);
  }
  out.set("walk", { name: "walk", arity: 1, relation: true });
  out.set("print", { name: "print", arity: 0, relation: false, variadic: true });
  return out;
}

/** Every built-in of OPA 1.x by Rego name (deprecated ones included, flagged). */
export const BUILTINS: ReadonlyMap<string, BuiltinSignature> = build();

/** Names that are first segments of built-in names (`time` for time.now_ns): not rule-local vars. */
export const BUILTIN_ROOTS: ReadonlySet<string> = new Set([...BUILTINS.keys()].map((n) => n.split(".")[0]!));

/**
 * Built-ins whose result depends on their arguments alone and that have no effect: not the
 * non-deterministic ones (clock, randomness, network, the runtime), not print or trace (output),
 * and not the certificate verifiers that check validity against the current time. A module that
 * calls only these gives the same result for the same input and data. Unknown names: false.
 */
export function isPureBuiltin(name: string): boolean {
  const sig = BUILTINS.get(name);
  return sig !== undefined && sig.nondeterministic !== true && !IMPURE.has(name);
}

const IMPURE: ReadonlySet<string> = new Set([
  "print",
  "internal.print",
  "trace",
  "crypto.x509.parse_and_verify_certificates",
  "crypto.x509.parse_and_verify_certificates_with_options",
]);
