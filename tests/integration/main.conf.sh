# The configuration most integration tests run against (a function so
# tests can vary it). Ports: nginx 8080 (A), 8081 (B), 8082 (uploads),
# python 8083 (upgrade/silent), 8099 nothing.
main_conf() {
	base_conf
	cat <<CONF
client-header-timeout = ${HEADER_TIMEOUT:-2}
backend "siteA" { server = { "127.0.0.1:8080" } }
backend "siteB" { server = { "127.0.0.1:8081" } }
backend "dav" { server = { "127.0.0.1:8082" } }
backend "py" { server = { "127.0.0.1:8083" } }
backend "dead" { server = { "127.0.0.1:8099" } }
listener "http" {
	address = "127.0.0.1"
	port = 80
	route "lync" {
		host = { "lyncweb.example.com", "meet.example.com" }
		backend = "siteA"
	}
	route "ucwa" {
		host = { "lyncweb.example.com" }
		path = "/Ucwa/*"
		path-case-insensitive = true
		backend = "siteB"
	}
	route "dialin" {
		host = { "dialin.example.com" }
		backend = "siteA"
		host-header = "rewrite"
		host-rewrite = "fe01.corp.local"
	}
	route "wild" {
		host = { "*.wild.example.com" }
		backend = "siteB"
	}
	route "upload" {
		host = { "dav.example.com" }
		backend = "dav"
	}
	route "dead" {
		host = { "dead.example.com" }
		backend = "dead"
	}
	route "py" {
		host = { "ws.example.com" }
		backend = "py"
		backend-timeout = 2
	}
	${EXTRA_ROUTES:-}
}
listener "v6" {
	address = "::1"
	port = 8888
	route "any" { backend = "siteA" }
}
CONF
}
