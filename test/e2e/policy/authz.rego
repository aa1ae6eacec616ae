# End-to-end test policy (compiled by our compiler, evaluated through opa-wasm). OPA-Envoy style
# object decisions; every rule reads the verified identity, including its trust domain.
package envoy.authz

import rego.v1

demo_td := "demo.wimse-authz.local"

default allow := {"allowed": false, "http_status": 403, "body": "denied by policy", "headers": {"x-denied-by": "e2e"}}

allow := {"allowed": true, "headers": {"x-authz-policy": "e2e"}} if {
	input.identity.trustDomain == demo_td
	input.identity.path == "/ns/demo/sa/frontend"
	input.identity.method == "mtls"
	input.parsed_path[0] == "api"
}

allow := {"allowed": true, "headers": {"x-via-proxy": input.identity.proxy.id}} if {
	input.identity.trustDomain == demo_td
	input.identity.method == "xfcc"
	input.identity.path == "/ns/demo/sa/backend"
	input.identity.proxy.id == "spiffe://demo.wimse-authz.local/ns/edge/sa/middlebox"
}

allow := {"allowed": true, "response_headers_to_add": {"x-health": "ok"}} if {
	input.parsed_path == ["healthz"]
	not input.identity
	input.identity_error.code == "no_certificate"
}
