"""A real SMTP server for the tests: aiosmtpd on a free local port, STARTTLS required with
a certificate made for the test by the openssl command, and AUTH LOGIN/PLAIN only after
STARTTLS. It keeps every message it accepts, and can be told to refuse from the Nth."""

from __future__ import annotations

import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME = "debrief-mailer"
PASSWORD = "a-test-password-for-smtp"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """Make a self-signed certificate for 127.0.0.1 and localhost; return (cert, key)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Received:
    """One message as the server received it."""

    sender: str
    recipients: list[str]
    message: Message
    tls: bool
    authenticated: bool

    @property
    def body(self) -> str:
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode()


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse_from: int | None = None  # refuse the message with this index (0-based) and on

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.refuse_from is not None and len(self.received) >= self.refuse_from:
            return "451 4.3.0 Try again later"
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.original_content or envelope.content),
                session.ssl is not None,
                session.authenticated,
            )
        )
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode() == USERNAME and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """Start with `start()`, stop with `stop()`; `handler.received` holds the messages."""

    def __init__(self, folder: Path):
        self.cert, key = make_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=_authenticator,
            auth_require_tls=True,
        )

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def settings(self) -> dict:
        """The app's settings to send through this server."""
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_STARTTLS": True,
            "SMTP_USERNAME": USERNAME,
            "SMTP_PASSWORD": PASSWORD,
            "SMTP_FROM": "debrief@police.example.invalid",
            "SMTP_CA_FILE": str(self.cert),
            "SERVICE_BASE_URL": "https://debrief.police.example.invalid",
        }
