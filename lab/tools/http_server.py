#!/usr/bin/env python3
"""lab/tools/http_server.py - tiny HTTP server for the lab's isp namespace.

GET /generate_204 -> 204 No Content (captive-portal style connectivity probe)
GET /whoami       -> 200, body = the client's source IP as seen here + "\n"
anything else     -> 404
Default bind 198.19.0.1:80; a --bind containing ':' listens on IPv6 (the lab
runs a second instance on [2001:db8:19::1]:80). Requests are logged to stderr.
"""
import argparse
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    server_version = "lab-isp/1"

    def _reply(self, code, body=b"", head_only=False):
        self.send_response(code)
        if body:
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body and not head_only:
            self.wfile.write(body)

    def _route(self, head_only):
        path = self.path.split("?", 1)[0]
        if path == "/generate_204":
            self._reply(204, head_only=head_only)
        elif path == "/whoami":
            self._reply(200, (self.client_address[0] + "\n").encode(), head_only)
        else:
            self._reply(404, b"not found\n", head_only)

    def do_GET(self):
        self._route(False)

    def do_HEAD(self):
        self._route(True)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))
        sys.stderr.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bind", default="198.19.0.1")
    ap.add_argument("--port", type=int, default=80)
    a = ap.parse_args()
    v6 = ":" in a.bind

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if v6 else socket.AF_INET
        allow_reuse_address = True
        daemon_threads = True

    srv = Server((a.bind, a.port), Handler)
    print(f"http server on {'[%s]' % a.bind if v6 else a.bind}:{a.port}", file=sys.stderr, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
