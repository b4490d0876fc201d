"""Small HTTP servers on a free loopback port for the test doubles (webhook receivers, JWKS
issuers, proxies): start one with a BaseHTTPRequestHandler subclass, answer with `reply`."""

import threading
from http.server import ThreadingHTTPServer


def start_server(handler_class):
    """Serves handler_class on 127.0.0.1 and an OS-chosen port, on a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_server(server):
    if server is not None:
        server.shutdown()
        server.server_close()


def reply(handler, status, body, headers=None):
    """Writes a whole response with a Content-Length (JSON unless headers say otherwise)."""
    handler.send_response(status)
    headers = dict(headers or {})
    headers.setdefault("Content-Type", "application/json")
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
