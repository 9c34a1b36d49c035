#!/usr/bin/env python3
"""An xAPI sink that answers at once: POST statements -> 200 with no ids (all taken as already
stored), PUT -> 204. Prints its port, then serves until killed. For Tools/bench/xapi/run.sh."""
import http.server
import sys


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self, status, body=b""):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self._answer(200, b"[]")

    def do_PUT(self):
        self._answer(204)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
print(server.server_address[1], flush=True)
server.serve_forever()
