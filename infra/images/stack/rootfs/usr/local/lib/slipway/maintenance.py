# The maintenance responder: Traefik sends the hostnames of apps in maintenance here.
# Answers every request with 503, Retry-After and a small page; listens on $PORT (default 8080).
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><title>Offline for maintenance</title>
<style>body{font-family:system-ui,sans-serif;margin:15vh auto;max-width:32rem;color:#333;text-align:center}</style>
</head><body><h1>Offline for maintenance</h1><p>This app is undergoing maintenance right now. Please check back soon.</p></body></html>
"""


class Handler(BaseHTTPRequestHandler):
    def _answer(self, body=True):
        self.send_response(503)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.send_header("Retry-After", "60")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(PAGE)

    def do_GET(self):
        self._answer()

    def do_HEAD(self):
        self._answer(body=False)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def log_message(self, fmt, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
