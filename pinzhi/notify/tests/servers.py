"""Real servers on 127.0.0.1 for the X-3 tests: a minimal SMTP server (python's smtpd is
gone and aiosmtpd is not a dependency) and an HTTP(S) gateway that checks the signature.

The gateway is reached by the name `gateway.test`, which the notify tests resolve to
127.0.0.1 and allow with PINZHI_WEBHOOK_ALLOWED_HOSTS (see conftest.py): webhooks go to
public addresses only (issue 6 item 5). Over HTTPS it presents tls/gateway.test.crt, a
self-signed certificate for that name, and records the TLS server name (SNI) it was asked
for."""

import email
import email.policy
import hashlib
import hmac
import json
import re
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ADDRESS = re.compile(r"<([^>]*)>")
GATEWAY_HOST = "gateway.test"
TLS_DIR = Path(__file__).parent / "tls"
GATEWAY_CERT = TLS_DIR / "gateway.test.crt"
GATEWAY_KEY = TLS_DIR / "gateway.test.key"


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_to: list[str]
    raw: bytes

    @property
    def message(self):
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self.reply("220 127.0.0.1 test SMTP ready")
        mail_from, rcpt_to = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-127.0.0.1\r\n250 8BITMIME\r\n")
            elif verb == "HELO":
                self.reply("250 127.0.0.1")
            elif verb == "MAIL":
                found = ADDRESS.search(command)
                mail_from, rcpt_to = (found.group(1) if found else ""), []
                self.reply("250 OK")
            elif verb == "RCPT":
                found = ADDRESS.search(command)
                if not found:
                    self.reply("501 Syntax: RCPT TO:<address>")
                    continue
                rcpt_to.append(found.group(1))
                self.reply("250 OK")
            elif verb == "DATA":
                if not rcpt_to:
                    self.reply("503 Need RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data_line = self.rfile.readline()
                    if not data_line or data_line in (b".\r\n", b".\n"):
                        break
                    if data_line.startswith(b".."):
                        data_line = data_line[1:]
                    lines.append(data_line)
                self.server.received.append(ReceivedMail(mail_from, rcpt_to, b"".join(lines)))
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                if verb == "RSET":
                    mail_from, rcpt_to = "", []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _SMTPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.received: list[ReceivedMail] = []


class ServerThread:
    """A test server running in a thread for a `with` block: `__enter__` makes the server and
    calls `serve(server)`; `port` is where it listens."""

    def serve(self, server: socketserver.BaseServer) -> None:
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class SMTPServer(ServerThread):
    """`with SMTPServer() as smtp:` listens on an ephemeral port; smtp.received fills up."""

    def __enter__(self):
        server = _SMTPServer()
        self.received = server.received
        self.serve(server)
        return self


@dataclass
class GatewayRequest:
    headers: dict
    body: bytes
    verified: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Gateway(ServerThread):
    """An HTTP gateway that verifies X-Pinzhi-Signature like the documented recipe, then
    answers with the next status of `statuses` (200 once they run out). With `tls` it
    speaks HTTPS with the certificate of gateway.test."""

    secret: str
    statuses: list[int] = field(default_factory=list)
    requests: list[GatewayRequest] = field(default_factory=list)
    host: str = GATEWAY_HOST
    tls: bool = False
    server_names: list[str | None] = field(default_factory=list)
    answer: bytes = b""
    headers: dict = field(default_factory=dict)

    def __enter__(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = (
                    "sha256=" + hmac.new(gateway.secret.encode(), body, hashlib.sha256).hexdigest()
                )
                verified = hmac.compare_digest(expected, self.headers.get("X-Pinzhi-Signature", ""))
                gateway.requests.append(GatewayRequest(dict(self.headers), body, verified))
                status = (
                    401 if not verified else (gateway.statuses.pop(0) if gateway.statuses else 200)
                )
                answer = gateway.answer or (b"ok" if status < 300 else b"gateway trouble")
                self.send_response(status)
                for name, value in gateway.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        scheme = "http"
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(GATEWAY_CERT, GATEWAY_KEY)
            context.sni_callback = lambda _sock, name, _context: self.server_names.append(name)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            scheme = "https"
        self.serve(server)
        self.url = f"{scheme}://{self.host}:{self.port}/pinzhi"
        return self


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (taken, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
