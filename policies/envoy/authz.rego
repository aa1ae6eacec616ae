# Default wimse-authz policy: workload-to-workload authorization on FULL workload identifiers.
#
# Input: the Envoy CheckRequest in protobuf JSON form (input.attributes...), parsed_path,
# parsed_query, parsed_body, plus input.identity (the verified caller: id, scheme, trustDomain,
# path, method, certificate, and proxy when it came through one) or input.identity_error when the
# request matched an identity-optional route. Identifiers are always compared whole: a rule never
# looks at the path part of an identifier alone, so spiffe://evil.example/ns/demo/sa/frontend is
# not spiffe://demo.wimse-authz.local/ns/demo/sa/frontend.
#
# Data (policies/data.json): data.wimse.acl (who may call what: an object keyed by the caller's
# full identifier, each value the list of that caller's grants), data.wimse.trusted_domains
# (trust-domain membership rules), data.wimse.open_paths (paths open to anyone, e.g. health).
package envoy.authz

default allow := {
	"allowed": false,
	"headers": {"x-wimse-authz-policy": "envoy.authz"},
	"http_status": 403,
	"body": "denied: no matching rule",
}

allow := {
	"allowed": true,
	"headers": {"x-wimse-authz-policy": "envoy.authz", "x-wimse-authz-rule": rule},
} if {
	rule := allowed_by
}

allow := {
	"allowed": false,
	"headers": {"x-wimse-authz-policy": "envoy.authz"},
	"http_status": 401,
	"body": concat("", ["denied: no verified workload identity (", input.identity_error.code, ")"]),
} if {
	not allowed_by
	not input.identity
	input.identity_error.code
}

http := input.attributes.request.http

destination := input.attributes.destination.principal

# The path without its query string (Envoy's :path carries both).
request_path := split(http.path, "?")[0]

# Health checks are open to anyone, with or without an identity.
open_path if {
	some p in data.wimse.open_paths
	request_path == p
	http.method in {"GET", "HEAD"}
}

# ACL: the caller's grants are looked up by its full identifier (a key lookup, not a scan, so
# the cost does not grow with the number of callers). A grant lets that caller call its methods
# on path prefixes of its destination (any destination when it names none).
acl_matches contains grant.name if {
	some grant in data.wimse.acl[input.identity.id]
	destination_matches(grant)
	http.method in grant.methods
	path_matches(grant.paths)
}

# Trust-domain membership: any workload of a listed trust domain may call the listed paths.
trust_domain_matches contains td.trust_domain if {
	some td in data.wimse.trusted_domains
	input.identity.scheme == td.scheme
	input.identity.trustDomain == td.trust_domain
	startswith(input.identity.id, concat("", [td.scheme, "://", td.trust_domain, "/"]))
	http.method in td.methods
	path_matches(td.paths)
}

# The first matching rule kind wins; names are reported in the x-wimse-authz-rule header.
allowed_by := "open-path" if open_path

allowed_by := concat("", ["acl:", min(acl_matches)]) if {
	not open_path
	count(acl_matches) > 0
}

allowed_by := concat("", ["trust-domain:", min(trust_domain_matches)]) if {
	not open_path
	count(acl_matches) == 0
	count(trust_domain_matches) > 0
}

# A grant without a destination applies to any destination; otherwise the destination
# principal Envoy reports must equal it exactly.
destination_matches(grant) if not grant.destination

destination_matches(grant) if destination == grant.destination

path_matches(prefixes) if {
	some prefix in prefixes
	prefix_matches(prefix)
}

prefix_matches(prefix) if request_path == prefix

prefix_matches(prefix) if {
	endswith(prefix, "/")
	startswith(request_path, prefix)
}

prefix_matches(prefix) if {
	not endswith(prefix, "/")
	startswith(request_path, concat("", [prefix, "/"]))
}
