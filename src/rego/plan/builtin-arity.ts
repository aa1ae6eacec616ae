/**
 * Input arities of Rego builtins, used to tell a call's trailing output argument from its
 * inputs (`count(xs, n)` binds or compares n; `startswith(s, p)` has no output).
 * Unknown builtins fall back to "the last argument is an output iff it is an unbound var".
 */
const ARITY: Record<string, number> = {};

function define(arity: number, names: string): void {
  for (const name of names.split(/\s+/)) if (name) ARITY[name] = arity;
}

define(0, "time.now_ns opa.runtime rego.metadata.chain rego.metadata.rule");
define(
  1,
  `abs all any array.reverse base64.decode base64.encode base64.is_valid base64url.decode
  base64url.encode base64url.encode_no_pad bits.negate cast_array cast_boolean cast_null cast_object
  cast_set cast_string ceil count crypto.md5 crypto.parse_private_keys crypto.sha1 crypto.sha256
  crypto.x509.parse_and_verify_certificates crypto.x509.parse_certificate_request
  crypto.x509.parse_certificates crypto.x509.parse_rsa_private_key floor glob.quote_meta
  graphql.parse_query graphql.parse_schema graphql.schema_is_valid hex.decode hex.encode http.send
  intersection io.jwt.decode is_array is_boolean is_null is_number is_object is_set is_string
  json.is_valid json.marshal json.unmarshal json.verify_schema lower max min net.cidr_expand
  net.cidr_is_valid net.cidr_merge net.lookup_ip_addr object.keys object.union_n product
  regex.is_valid round semver.is_valid sort strings.reverse sum time.clock time.date time.format
  time.parse_duration_ns time.parse_rfc3339_ns time.weekday to_number trace trim_space type_name
  union units.parse units.parse_bytes upper urlquery.decode urlquery.decode_object
  urlquery.encode urlquery.encode_object uuid.parse uuid.rfc4122 walk yaml.is_valid yaml.marshal
  yaml.unmarshal internal.print internal.template_string strings.lower strings.upper`,
);
define(
  2,
  `and array.concat assign bits.and bits.lsh bits.or bits.rsh bits.xor concat contains
  crypto.hmac.equal crypto.hmac.md5 crypto.hmac.sha1 crypto.hmac.sha256 crypto.hmac.sha512
  crypto.x509.parse_and_verify_certificates_with_options crypto.x509.parse_keypair div endswith eq
  equal format_int graph.reachable graph.reachable_paths graphql.is_valid graphql.parse
  graphql.parse_and_verify gt gte indexof indexof_n internal.member_2 io.jwt.decode_verify
  io.jwt.verify_eddsa io.jwt.verify_es256 io.jwt.verify_es384 io.jwt.verify_es512 io.jwt.verify_hs256
  io.jwt.verify_hs384 io.jwt.verify_hs512 io.jwt.verify_ps256 io.jwt.verify_ps384
  io.jwt.verify_ps512 io.jwt.verify_rs256 io.jwt.verify_rs384 io.jwt.verify_rs512 json.filter
  json.marshal_with_options json.match_schema json.patch json.remove lt lte minus mul neq
  net.cidr_contains net.cidr_contains_matches net.cidr_intersects net.cidr_overlap numbers.range
  object.filter object.remove object.subset object.union or plus rand.intn re_match
  regex.globs_match regex.match regex.split rego.parse_module rem semver.compare set_diff split
  sprintf startswith strings.any_prefix_match strings.any_suffix_match strings.count
  strings.render_template strings.replace_n time.diff time.parse_ns trim trim_left trim_prefix
  trim_right trim_suffix`,
);
define(
  3,
  `array.slice glob.match internal.member_3 io.jwt.encode_sign io.jwt.encode_sign_raw
  numbers.range_step object.get providers.aws.sign_req regex.find_all_string_submatch_n
  regex.find_n regex.replace replace substring`,
);
define(4, "regex.template_match time.add_date");

/** The number of inputs of the builtin `name`, or undefined when unknown. */
export function builtinArity(name: string): number | undefined {
  return Object.hasOwn(ARITY, name) ? ARITY[name] : undefined;
}
