"""``kontor fetchmail`` against a real IMAP server: pymap, started for each
test module on a free port (its in-memory backend), over plain IMAP,
STARTTLS and implicit TLS, with a certificate from a CA the test makes."""

import contextlib
import datetime
import imaplib
import ipaddress
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command

from kontor.activities.models import Activity, Kind
from kontor.contacts.models import Contact
from kontor.mail.models import InboundMessage, Mailbox, Security
from kontor.mail.services import mailbox_set_password
from tests.mail import corpus

USER, PASSWORD = "sales", "imap secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=False, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
    encipher_only=False, decipher_only=False,
)  # fmt: skip


def _certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A CA of the test's own and a server certificate it signed for
    localhost and 127.0.0.1: (CA certificate, server certificate, server key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kontor Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(CA_KEY_USAGE, critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.crt"
    cert_file, key_file = directory / "imap.crt", directory / "imap.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(_key_pem(key))
    return ca_file, cert_file, key_file


class ImplicitTlsProxy:
    """IMAP over implicit TLS (port 993 style): TLS from the first byte,
    terminated here with the server certificate, the plain IMAP stream
    relayed to pymap. Runs in the test process until closed."""

    def __init__(self, target_port: int, cert_file: Path, key_file: Path):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(str(cert_file), str(key_file))
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.handshake_errors: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            secure = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.handshake_errors.append(str(exc))
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port))

        def pipe(source: socket.socket, target: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    target.sendall(data)
            except OSError:
                pass
            finally:
                for end in (source, target):
                    with contextlib.suppress(OSError):
                        end.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=pipe, args=(upstream, secure), daemon=True).start()
        pipe(secure, upstream)

    def close(self) -> None:
        self.listener.close()


class ImapServer:
    def __init__(self, port: int, certificate: Path, tls_port: int):
        self.port = port
        self.certificate = certificate  # the CA's: trusting it trusts the server
        self.tls_port = tls_port

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.starttls(ssl_context=ssl.create_default_context(cafile=str(self.certificate)))
        client.login(USER, PASSWORD)
        return client

    def deliver(self, *messages: bytes, folder: str = "INBOX", seen: bool = False) -> None:
        client = self.client()
        try:
            for raw in messages:
                flags = r"(\Seen)" if seen else None
                status, _ = client.append(f'"{folder}"', flags, None, raw)
                assert status == "OK"
        finally:
            client.logout()

    def uids(self, folder: str = "INBOX", criterion: str = "ALL") -> list[bytes]:
        client = self.client()
        try:
            client.select(f'"{folder}"')
            return client.uid("SEARCH", None, criterion)[1][0].split()
        finally:
            client.logout()

    def create_folder(self, folder: str) -> None:
        client = self.client()
        try:
            client.create(f'"{folder}"')
        finally:
            client.logout()


@pytest.fixture(scope="module")
def imap_server(tmp_path_factory):
    pymap = shutil.which("pymap", path=str(Path(sys.executable).parent))
    assert pymap, "pymap is a test dependency (pip install pymap)"
    ca_file, cert_file, key_file = _certificate(tmp_path_factory.mktemp("imap"))
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (our own test server)
        [pymap, "--host", "127.0.0.1", "--port", str(port), "--cert", str(cert_file),
         "--key", str(key_file), "dict", "--demo-user", USER, "--demo-password", PASSWORD],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("pymap did not start")
                time.sleep(0.1)
        proxy = ImplicitTlsProxy(port, cert_file, key_file)
        yield ImapServer(port, ca_file, proxy.port)
        proxy.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def server(imap_server):
    """The module's server with an empty INBOX."""
    client = imap_server.client()
    try:
        client.select('"INBOX"')
        uids = client.uid("SEARCH", None, "ALL")[1][0].split()
        if uids:
            client.uid("STORE", b",".join(uids), "+FLAGS", r"(\Deleted)")
            client.expunge()
    finally:
        client.logout()
    return imap_server


@pytest.fixture
def mailbox(server, user, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))  # trust the test server
    box = Mailbox(
        name="Vertrieb",
        email_address="vertrieb@kontor.example",
        host="127.0.0.1",
        port=server.port,
        security=Security.STARTTLS,
        username=USER,
        owner=user,
    )
    mailbox_set_password(mailbox=box, password=PASSWORD)
    box.save()
    return box


def fetchmail(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("fetchmail", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_unread_messages_are_imported_and_marked_read(server, mailbox, anna):
    server.deliver(corpus.plain(), corpus.alternative())

    output = fetchmail()

    assert "Vertrieb: 2 imported, 0 duplicates, 0 with problems" in output
    assert Activity.objects.filter(kind=Kind.EMAIL, contact=anna).count() == 2
    assert server.uids(criterion="UNSEEN") == []
    mailbox.refresh_from_db()
    assert mailbox.last_fetched_at is not None
    assert mailbox.last_error == ""


def test_a_second_run_imports_nothing_new(server, mailbox, anna):
    server.deliver(corpus.plain())
    fetchmail()

    assert "0 imported" in fetchmail()
    assert InboundMessage.objects.count() == 1


def test_messages_read_before_are_left_alone(server, mailbox, anna):
    server.deliver(corpus.plain(), seen=True)

    fetchmail()

    assert not InboundMessage.objects.exists()


def test_imported_messages_can_be_moved_to_another_folder(server, mailbox, anna):
    server.create_folder("Archive/Kontor")
    mailbox.after_import = "move"
    mailbox.move_to_folder = "Archive/Kontor"
    mailbox.save()
    server.deliver(corpus.plain(), corpus.iso_8859_1())

    fetchmail()

    assert server.uids() == []
    assert len(server.uids("Archive/Kontor")) == 2
    assert InboundMessage.objects.count() == 2


def test_a_message_delivered_to_two_mailboxes_is_stored_once(server, mailbox, anna, inbound):
    inbound(corpus.plain())
    server.deliver(corpus.plain())

    assert "0 imported, 1 duplicates" in fetchmail()
    assert server.uids(criterion="UNSEEN") == []


def test_unknown_senders_become_leads_owned_by_the_mailbox_user(server, mailbox, user):
    server.deliver(corpus.plain(sender="Neu Kunde <neu@example.org>"))

    fetchmail()

    contact = Contact.objects.get()
    assert (contact.display_name, contact.lifecycle_stage, contact.owner) == (
        "Neu Kunde",
        "lead",
        user,
    )


def test_the_mailbox_can_switch_off_making_contacts(server, mailbox):
    mailbox.create_unknown_contacts = False
    mailbox.save()
    server.deliver(corpus.plain(sender="neu@example.org"))

    fetchmail()

    assert not Contact.objects.exists()
    assert InboundMessage.objects.get().activity is None


def test_a_broken_message_is_imported_with_its_problems(server, mailbox, anna):
    server.deliver(corpus.undecodable_charset())

    assert "1 imported, 0 duplicates, 1 with problems" in fetchmail()


def test_mail_from_the_mailboxs_own_address_is_outgoing(server, mailbox, anna, settings):
    settings.KONTOR_OWN_EMAIL_DOMAINS = []
    server.deliver(corpus.plain(sender="vertrieb@kontor.example", to="anna@acme.example"))

    fetchmail()

    assert Activity.objects.get(kind=Kind.EMAIL).direction == "outbound"


def test_a_wrong_password_fails_and_is_noted(server, mailbox):
    mailbox_set_password(mailbox=mailbox, password="wrong")

    with pytest.raises(CommandError, match="1 mailbox"):
        fetchmail()

    mailbox.refresh_from_db()
    assert "LOGIN" in mailbox.last_error or "auth" in mailbox.last_error.lower()


def test_an_untrusted_certificate_is_refused(server, mailbox, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")

    with pytest.raises(CommandError):
        fetchmail()

    mailbox.refresh_from_db()
    assert "certificate" in mailbox.last_error.lower()


def test_certificate_checks_can_be_switched_off_for_a_private_server(
    server, mailbox, monkeypatch, anna
):
    monkeypatch.delenv("SSL_CERT_FILE")
    mailbox.verify_certificate = False
    mailbox.save()
    server.deliver(corpus.plain())

    assert "1 imported" in fetchmail()


def test_plain_imap_inside_a_trusted_network(server, mailbox, anna):
    mailbox.security = Security.NONE
    mailbox.save()
    server.deliver(corpus.plain())

    assert "1 imported" in fetchmail()


def test_a_server_that_cannot_be_reached_is_an_error_not_a_crash(mailbox):
    mailbox.port = _free_port()
    mailbox.security = Security.SSL
    mailbox.save()

    with pytest.raises(CommandError):
        fetchmail()

    mailbox.refresh_from_db()
    assert "could not connect" in mailbox.last_error


def test_one_mailbox_can_be_fetched_by_name(server, mailbox, anna, user):
    Mailbox.objects.create(
        name="Kaputt", email_address="k@kontor.example", host="127.0.0.1", port=_free_port(),
        security=Security.NONE, username="x", owner=user,
    )  # fmt: skip
    server.deliver(corpus.plain())

    assert "1 imported" in fetchmail("--mailbox", "Vertrieb")
    with pytest.raises(CommandError, match="No active mailbox"):
        fetchmail("--mailbox", "Nirgendwo")


def test_the_loop_needs_a_positive_interval(mailbox):
    with pytest.raises(CommandError):
        fetchmail("--loop", "0")


def test_the_password_is_stored_encrypted(mailbox):
    stored = Mailbox.objects.values_list("password_encrypted", flat=True).get()

    assert PASSWORD not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


# TLS ------------------------------------------------------------------------------


@pytest.fixture
def untrusting(monkeypatch):
    """The system's CAs only: the test CA is not among them."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)


def test_implicit_tls_with_the_mailboxs_own_ca(server, mailbox, anna, untrusting):
    mailbox.security = Security.SSL
    mailbox.port = server.tls_port
    mailbox.tls_ca_certificates = server.certificate.read_text()
    mailbox.save()
    server.deliver(corpus.plain())

    assert "1 imported" in fetchmail()
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_starttls_with_the_mailboxs_own_ca(server, mailbox, anna, untrusting):
    mailbox.tls_ca_certificates = server.certificate.read_text()
    mailbox.save()
    server.deliver(corpus.plain())

    assert "1 imported" in fetchmail()


def test_implicit_tls_refuses_a_certificate_no_trusted_ca_signed(server, mailbox, anna, untrusting):
    mailbox.security = Security.SSL
    mailbox.port = server.tls_port
    mailbox.save()
    server.deliver(corpus.plain())

    with pytest.raises(CommandError):
        fetchmail()

    mailbox.refresh_from_db()
    assert "certificate verify failed" in mailbox.last_error
    assert not InboundMessage.objects.exists()
    assert len(server.uids(criterion="UNSEEN")) == 1


def test_another_ca_than_the_servers_is_refused(server, mailbox, untrusting, tmp_path):
    other_ca, _cert, _key = _certificate(tmp_path)
    mailbox.security = Security.SSL
    mailbox.port = server.tls_port
    mailbox.tls_ca_certificates = other_ca.read_text()
    mailbox.save()

    with pytest.raises(CommandError):
        fetchmail()

    mailbox.refresh_from_db()
    assert "certificate verify failed" in mailbox.last_error


def test_implicit_tls_without_verification_when_the_admin_switched_it_off(
    server, mailbox, anna, untrusting
):
    mailbox.security = Security.SSL
    mailbox.port = server.tls_port
    mailbox.verify_certificate = False
    mailbox.save()
    server.deliver(corpus.plain())

    assert "1 imported" in fetchmail()


def test_unreadable_ca_certificates_are_a_clear_error(server, mailbox, untrusting):
    mailbox.tls_ca_certificates = "-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----"
    mailbox.save()

    with pytest.raises(CommandError):
        fetchmail()

    mailbox.refresh_from_db()
    assert "trusted CA certificates cannot be read" in mailbox.last_error


def test_the_admin_form_rejects_what_is_no_pem_certificate(user):
    from kontor.mail.admin import MailboxForm

    form = MailboxForm(
        data={
            "name": "Vertrieb", "email_address": "v@kontor.example", "owner": user.pk,
            "host": "imap.example", "port": 993, "security": "ssl", "verify_certificate": "on",
            "tls_ca_certificates": "not a certificate", "username": "v", "password": "x",
            "folder": "INBOX", "after_import": "mark_read",
        }
    )  # fmt: skip

    assert not form.is_valid()
    assert "PEM" in form.errors["tls_ca_certificates"][0]
