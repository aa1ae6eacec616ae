package envoy.authz_test

import data.envoy.authz

frontend := "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend"

backend := "spiffe://demo.wimse-authz.local/ns/demo/sa/backend"

billing := "wimse://demo2.wimse-authz.local/workload/billing"

middlebox := "spiffe://demo.wimse-authz.local/ns/edge/sa/middlebox"

identity(id) := {"id": id, "scheme": scheme, "trustDomain": td, "path": path, "method": "mtls"} if {
	parts := split(id, "://")
	scheme := parts[0]
	rest := parts[1]
	td := split(rest, "/")[0]
	path := substring(rest, count(td), -1)
}

request(id, dest, method, path) := {
	"attributes": {
		"request": {"http": {"method": method, "path": path, "headers": {}}},
		"destination": {"principal": dest},
	},
	"identity": identity(id),
}

test_frontend_may_call_backend_api if {
	d := authz.allow with input as request(frontend, backend, "GET", "/api/orders?limit=5")
	d.allowed == true
	d.headers["x-wimse-authz-rule"] == "acl:frontend-to-backend-api"
}

test_frontend_may_post_backend_api_exact_prefix if {
	authz.allow.allowed with input as request(frontend, backend, "POST", "/api")
}

test_prefix_is_a_path_segment if {
	d := authz.allow with input as request(frontend, backend, "GET", "/apix")
	d.allowed == false
	d.http_status == 403
}

test_frontend_may_not_delete if {
	d := authz.allow with input as request(frontend, backend, "DELETE", "/api/orders/1")
	d.allowed == false
}

test_frontend_may_not_call_billing if {
	d := authz.allow with input as request(frontend, billing, "GET", "/invoices")
	d.allowed == false
}

test_backend_may_call_billing if {
	authz.allow.allowed with input as request(backend, billing, "POST", "/invoices/42")
}

test_billing_callbacks_cross_scheme if {
	authz.allow.allowed with input as request(billing, backend, "POST", "/callbacks/billing")
}

test_same_path_other_trust_domain_denied if {
	d := authz.allow with input as request("spiffe://evil.example/ns/demo/sa/frontend", backend, "GET", "/api/orders")
	d.allowed == false
}

test_same_path_other_scheme_denied if {
	d := authz.allow with input as request("wimse://demo.wimse-authz.local/ns/demo/sa/frontend", backend, "GET", "/api")
	d.allowed == false
}

test_middlebox_has_no_acl_access if {
	d := authz.allow with input as request(middlebox, backend, "POST", "/api/orders")
	d.allowed == false
}

test_trust_domain_member_may_read_public if {
	d := authz.allow with input as request(middlebox, backend, "GET", "/public/status")
	d.allowed == true
	d.headers["x-wimse-authz-rule"] == "trust-domain:demo.wimse-authz.local"
}

test_other_domain_may_not_read_public if {
	d := authz.allow with input as request(billing, backend, "GET", "/public/status")
	d.allowed == false
}

test_health_open_without_identity if {
	d := authz.allow with input as {
		"attributes": {"request": {"http": {"method": "GET", "path": "/healthz", "headers": {}}}},
		"identity_error": {"code": "no_certificate", "message": "no client certificate"},
	}
	d.allowed == true
	d.headers["x-wimse-authz-rule"] == "open-path"
}

test_health_post_not_open if {
	d := authz.allow with input as {
		"attributes": {"request": {"http": {"method": "POST", "path": "/healthz", "headers": {}}}},
		"identity_error": {"code": "no_certificate", "message": "no client certificate"},
	}
	d.allowed == false
	d.http_status == 401
}

test_missing_identity_denied_401 if {
	d := authz.allow with input as {
		"attributes": {"request": {"http": {"method": "GET", "path": "/api", "headers": {}}}},
		"identity_error": {"code": "x509_expired", "message": "certificate expired"},
	}
	d.allowed == false
	d.http_status == 401
	d.body == "denied: no verified workload identity (x509_expired)"
}

test_empty_input_denied if {
	d := authz.allow with input as {}
	d.allowed == false
}

test_decision_always_names_policy if {
	d := authz.allow with input as request(frontend, backend, "GET", "/nope")
	d.headers["x-wimse-authz-policy"] == "envoy.authz"
}

test_identifier_with_extra_segment_denied if {
	d := authz.allow with input as request(concat("", [frontend, "/x"]), backend, "GET", "/api/orders")
	d.allowed == false
}

# A caller's grants are a list: the one that matches names the rule; none matching denies.
grants := {
	frontend: [
		{"name": "reports-read", "destination": billing, "methods": ["GET"], "paths": ["/reports/"]},
		{"name": "anywhere-status", "methods": ["GET"], "paths": ["/status"]},
	],
	backend: [{"name": "backend-orders", "destination": backend, "methods": ["GET"], "paths": ["/orders"]}],
}

test_second_grant_of_a_caller_matches if {
	d := authz.allow with input as request(frontend, billing, "GET", "/reports/q3") with data.wimse.acl as grants
	d.headers["x-wimse-authz-rule"] == "acl:reports-read"
}

test_grant_without_destination_applies_to_any_destination if {
	d := authz.allow with input as request(frontend, middlebox, "GET", "/status") with data.wimse.acl as grants
	d.headers["x-wimse-authz-rule"] == "acl:anywhere-status"
}

test_other_callers_grants_do_not_apply if {
	d := authz.allow with input as request(frontend, backend, "GET", "/orders") with data.wimse.acl as grants
	d.allowed == false
}

test_grants_replaced_by_data_drop_old_ones if {
	d := authz.allow with input as request(frontend, backend, "GET", "/api/orders") with data.wimse.acl as grants
	d.allowed == false
}

# The old list-of-entries format is not an index by caller: it grants nothing (fail closed).
test_acl_as_list_grants_nothing if {
	old := [{"name": "old", "source": frontend, "destination": backend, "methods": ["GET"], "paths": ["/api"]}]
	d := authz.allow with input as request(frontend, backend, "GET", "/api/orders") with data.wimse.acl as old
	d.allowed == false
	d.http_status == 403
}

test_malformed_grants_deny if {
	bad := {frontend: "everything"}
	d := authz.allow with input as request(frontend, backend, "GET", "/api/orders") with data.wimse.acl as bad
	d.allowed == false
}
