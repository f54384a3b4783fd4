#!/usr/bin/env python3
"""A WSGI backend (Python's wsgiref) for t_71_ntlm_contain.sh: wsgiref,
like CGI, PHP and IIS server variables, maps X-Authenticated-User and
X_Authenticated_User to one HTTP_X_AUTHENTICATED_USER (values joined by
","), so it shows what an application would take for the identity.
Answers "identity=<HTTP_X_AUTHENTICATED_USER or -> raw=<every header
name that folds to it, in order>". Usage: wsgi_echo.py PORT
"""
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class Threaded(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def app(environ, start_response):
    raw = environ.get("rpxd.raw_names", [])
    body = "identity=%s raw=%s\n" % (
        environ.get("HTTP_X_AUTHENTICATED_USER", "-"), ",".join(raw) or "-")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body.encode()]


class Names(WSGIRequestHandler):
    def log_message(self, *args):
        pass

    def get_environ(self):
        env = super().get_environ()
        env["rpxd.raw_names"] = [
            k for k in self.headers.keys()
            if k.replace("_", "-").lower() == "x-authenticated-user"]
        return env


def main():
    srv = make_server("127.0.0.1", int(sys.argv[1]), app,
                      server_class=Threaded, handler_class=Names)
    srv.serve_forever()


if __name__ == "__main__":
    main()
