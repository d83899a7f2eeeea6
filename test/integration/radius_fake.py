"""A misbehaving RADIUS server for the integration tests of mod_authgw_radius.

Standard library only (raw UDP sockets, hashlib, hmac).  It plays the server
side of RFC 2865 / RFC 3579 and can answer wrongly on purpose: without a
Message-Authenticator, with a wrong one, with a wrong Response
Authenticator, with the wrong identifier, truncated, late, or a forged
packet before a genuine one.  It records every datagram it receives, so a
test can check what the gateway sent (and verify its Message-Authenticator
independently of the gateway's code).

    fake = FakeRadius(secret, handler=answer(ACCESS_ACCEPT)).start()
    ...  # point AuthGWRadiusServer at 127.0.0.1:fake.port
    fake.received[0].message_authenticator_ok(secret)
    fake.stop()

A handler is called with each parsed request (a ``Request``) and returns a
list of ``(delay_seconds, datagram_bytes)`` to send back to the sender; an
empty list means silence.  ``reply()`` builds a reply datagram, correct by
default, with each defect switchable.
"""

import hashlib
import hmac
import socket
import struct
import threading
import time

ACCESS_REQUEST = 1
ACCESS_ACCEPT = 2
ACCESS_REJECT = 3
ACCESS_CHALLENGE = 11

USER_NAME = 1
USER_PASSWORD = 2
NAS_IP_ADDRESS = 4
FILTER_ID = 11
REPLY_MESSAGE = 18
STATE = 24
CLASS = 25
CALLING_STATION_ID = 31
NAS_IDENTIFIER = 32
MESSAGE_AUTHENTICATOR = 80
NAS_IPV6_ADDRESS = 95


def _b(x):
    return x.encode() if isinstance(x, str) else bytes(x)


def parse_attributes(data):
    """[(type, value bytes)] of an attribute area; raises ValueError when an
    attribute is shorter than 2 bytes or runs past the end."""
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("attribute header past the end at %d" % i)
        t, n = data[i], data[i + 1]
        if n < 2 or i + n > len(data):
            raise ValueError("bad attribute length %d at %d" % (n, i))
        out.append((t, data[i + 2:i + n]))
        i += n
    return out


def encode_attributes(attrs):
    return b"".join(struct.pack("BB", t, len(v) + 2) + _b(v) for t, v in attrs)


class Request:
    """One datagram the fake received, parsed as an Access-Request."""

    def __init__(self, raw, addr, when):
        self.raw = bytes(raw)
        self.addr = addr
        self.time = when
        self.error = None
        self.code = self.ident = self.length = None
        self.authenticator = b""
        self.attrs = []
        try:
            if len(raw) < 20:
                raise ValueError("shorter than a header")
            self.code, self.ident, self.length = struct.unpack("!BBH", raw[:4])
            if self.length < 20 or self.length > len(raw):
                raise ValueError("length field %d for %d bytes" % (self.length, len(raw)))
            self.authenticator = raw[4:20]
            self.attrs = parse_attributes(raw[20:self.length])
        except ValueError as e:
            self.error = str(e)

    def all(self, t):
        return [v for a, v in self.attrs if a == t]

    def get(self, t):
        v = self.all(t)
        return v[0] if v else None

    def text(self, t):
        v = self.get(t)
        return None if v is None else v.decode("utf-8", "replace")

    def message_authenticator_ok(self, secret):
        """RFC 3579 section 3.2: exactly one Message-Authenticator of 16
        bytes, equal to HMAC-MD5(secret, packet with that value zeroed)."""
        if self.error:
            return False
        offsets, i = [], 20
        for t, v in self.attrs:
            if t == MESSAGE_AUTHENTICATOR:
                offsets.append((i + 2, len(v)))
            i += 2 + len(v)
        if len(offsets) != 1 or offsets[0][1] != 16:
            return False
        at = offsets[0][0]
        pkt = self.raw[:self.length]
        zeroed = pkt[:at] + b"\0" * 16 + pkt[at + 16:]
        want = hmac.new(_b(secret), zeroed, hashlib.md5).digest()
        return hmac.compare_digest(want, pkt[at:at + 16])

    def password(self, secret):
        """User-Password un-hidden (RFC 2865 section 5.2), NUL padding
        stripped; None when absent."""
        hidden = self.get(USER_PASSWORD)
        if hidden is None:
            return None
        out, prev = b"", self.authenticator
        for i in range(0, len(hidden), 16):
            block = hidden[i:i + 16]
            key = hashlib.md5(_b(secret) + prev).digest()
            out += bytes(a ^ b for a, b in zip(block, key))
            prev = block
        return out.rstrip(b"\0")

    def __repr__(self):
        return "<Request code=%s id=%s attrs=%r%s>" % (
            self.code, self.ident, [t for t, _ in self.attrs],
            " error=" + self.error if self.error else "")


def reply(req, secret, code=ACCESS_ACCEPT, attrs=(), ma="valid",
          resp_auth="valid", ident=None, truncate=0, ma_first=True,
          raw_tail=b"", padding=b""):
    """A reply datagram to ``req``.

    ma: "valid" | "none" | "wrong" (16 random-looking bytes) |
        "zero" (all zero) | "other-secret" (HMAC under another secret).
    resp_auth: "valid" | "wrong" | "request" (the Request Authenticator
        copied back) | "other-secret".
    ident: identifier to use (default: the request's).
    truncate: drop that many bytes from the end of the datagram while the
        Length field keeps the full length.
    raw_tail: bytes appended to the attribute area as they are (e.g. a
        malformed attribute), covered by Length and both authenticators.
    padding: bytes after the packet, outside its Length (RFC 2865 section
        3: to be ignored).
    """
    secret = _b(secret)
    other = b"not-" + secret
    ident = req.ident if ident is None else ident
    attrs = list(attrs)
    if ma != "none":
        if ma_first:
            attrs.insert(0, (MESSAGE_AUTHENTICATOR, b"\0" * 16))
        else:
            attrs.append((MESSAGE_AUTHENTICATOR, b"\0" * 16))
    body = encode_attributes(attrs) + _b(raw_tail)
    length = 20 + len(body)
    head = struct.pack("!BBH", code, ident, length)
    if ma != "none":
        # offset of the 16-byte value in the packet
        at = 22 if ma_first else 20 + len(body) - len(_b(raw_tail)) - 16
        signing = head + req.authenticator + body
        if ma == "valid":
            mac = hmac.new(secret, signing, hashlib.md5).digest()
        elif ma == "other-secret":
            mac = hmac.new(other, signing, hashlib.md5).digest()
        elif ma == "zero":
            mac = b"\0" * 16
        elif ma == "wrong":
            mac = bytes((b ^ 0x5A) for b in hmac.new(secret, signing, hashlib.md5).digest())
        else:
            raise ValueError("ma=%r" % ma)
        body = body[:at - 20] + mac + body[at - 20 + 16:]
    if resp_auth == "valid":
        auth = hashlib.md5(head + req.authenticator + body + secret).digest()
    elif resp_auth == "other-secret":
        auth = hashlib.md5(head + req.authenticator + body + other).digest()
    elif resp_auth == "request":
        auth = req.authenticator
    elif resp_auth == "wrong":
        good = hashlib.md5(head + req.authenticator + body + secret).digest()
        auth = bytes(b ^ 0xFF for b in good)
    else:
        raise ValueError("resp_auth=%r" % resp_auth)
    pkt = head + auth + body + _b(padding)
    return pkt[:len(pkt) - truncate] if truncate else pkt


def answer(code=ACCESS_ACCEPT, attrs=(), delay=0.0, **kw):
    """A handler that answers every request once, after ``delay`` seconds,
    with reply(req, secret, code, attrs, **kw)."""
    def handler(fake, req):
        return [(delay, reply(req, fake.secret, code, attrs, **kw))]
    return handler


def silent(fake, req):
    """A handler that never answers."""
    return []


def sequence(*steps):
    """A handler that sends several replies to each request: steps are
    (delay, kwargs for reply()) pairs, e.g. a forged Accept at once and the
    genuine one 0.2 s later."""
    def handler(fake, req):
        return [(d, reply(req, fake.secret, **kw)) for d, kw in steps]
    return handler


class FakeRadius:
    """A UDP RADIUS server in a thread, on host:port (port 0: the kernel
    picks one; read .port).  ``handler(fake, request)`` decides the replies.
    ``received`` lists every Request, in order of arrival (thread-safe to
    read after the exchange that produced it)."""

    def __init__(self, secret, handler=silent, host="127.0.0.1", port=0):
        self.secret = _b(secret)
        self.handler = handler
        self.host = host
        self.family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(self.family, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.errors = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._timers = []

    @property
    def address(self):
        """host:port as AuthGWRadiusServer takes it ([v6]:port for IPv6)."""
        if self.family == socket.AF_INET6:
            return "[%s]:%d" % (self.host, self.port)
        return "%s:%d" % (self.host, self.port)

    def start(self):
        self.sock.settimeout(0.05)
        self._thread = threading.Thread(target=self._run, name="fake-radius-%d" % self.port,
                                        daemon=True)
        self._thread.start()
        return self

    def _send(self, data, addr):
        if self._stop.is_set():
            return
        try:
            self.sock.sendto(data, addr)
        except OSError as e:
            self.errors.append("send: %s" % e)

    def _run(self):
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            req = Request(data, addr, time.monotonic())
            with self._lock:
                self.received.append(req)
            try:
                replies = self.handler(self, req) if not req.error else []
            except Exception as e:          # a bug in a test handler
                self.errors.append("handler: %r" % e)
                replies = []
            for delay, pkt in replies:
                if delay <= 0:
                    self._send(pkt, addr)
                else:
                    t = threading.Timer(delay, self._send, (pkt, addr))
                    t.daemon = True
                    self._timers.append(t)
                    t.start()

    def requests(self):
        with self._lock:
            return list(self.received)

    def clear(self):
        with self._lock:
            self.received = []

    def stop(self):
        self._stop.set()
        for t in self._timers:
            t.cancel()
        if self._thread is not None:
            self._thread.join(2)
        self.sock.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
