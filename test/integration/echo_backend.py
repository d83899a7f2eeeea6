"""A tiny HTTP/1.1 echo server: the "published backend" of the integration tests.

Every method on every path gets 200 and a JSON body describing what the backend
received::

    {"method": "GET", "path": "/app/page?x=1",
     "headers": {"Host": "...", "Cookie": "theme=dark", ...},
     "body": "..."}

Repeated request headers are joined with ", " under the name of their first
occurrence.  The server also records every request it saw (``requests``), so a
test can assert that something NEVER reached the backend (for instance a path
under ``/.authgw/``).
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "authgw-echo/1"
    sys_version = ""

    def log_message(self, fmt, *args):  # keep pytest output clean
        pass

    def _read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline()
                if not line:
                    break
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers up to the empty line
                    while True:
                        t = self.rfile.readline()
                        if not t or t in (b"\r\n", b"\n"):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after the chunk
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length:
            try:
                n = int(length)
            except ValueError:
                n = 0
            if n > 0:
                return self.rfile.read(n)
        return b""

    def _echo(self):
        body = self._read_body()
        headers = {}
        names = {}
        for name, value in self.headers.items():
            key = names.setdefault(name.lower(), name)
            if key in headers:
                headers[key] = headers[key] + ", " + value
            else:
                headers[key] = value
        record = {
            "method": self.command,
            "path": self.path,
            "headers": headers,
            "body": body.decode("utf-8", "replace"),
        }
        self.server.record(record)
        out = json.dumps(record).encode("utf-8")
        if self.command == "HEAD":
            payload = b""
        else:
            payload = out
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    # every method answers the same way
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._echo
        raise AttributeError(name)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr):
        super().__init__(addr, _Handler)
        self._lock = threading.Lock()
        self.seen = []

    def record(self, rec):
        with self._lock:
            self.seen.append(rec)


class EchoBackend:
    """Start with ``start()``, stop with ``stop()``; ``port``, ``url(path)``,
    ``requests`` (a copy of every request seen so far), ``clear()``."""

    def __init__(self, host="127.0.0.1", port=0):
        self.host = host
        self._server = _Server((host, port))
        self.port = self._server.server_address[1]
        self._thread = None

    def start(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="echo-backend", daemon=True,
            kwargs={"poll_interval": 0.1})
        self._thread.start()
        # wait until it accepts connections
        with socket.create_connection((self.host, self.port), timeout=5):
            pass
        return self

    def stop(self):
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    @property
    def base_url(self):
        return "http://%s:%d" % (self.host, self.port)

    def url(self, path="/"):
        return self.base_url + path

    @property
    def requests(self):
        with self._server._lock:
            return list(self._server.seen)

    def paths(self):
        return [r["path"] for r in self.requests]

    def clear(self):
        with self._server._lock:
            self._server.seen.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    import sys
    import time
    b = EchoBackend(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0).start()
    print("echo backend on", b.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        b.stop()
