"""TLS towards the core: verification on by default, an optional CA file, certificate pinning.

A TLS-terminating front (the fault proxy with a self-signed certificate for 127.0.0.1) sits
before the reference core. A pin mismatch must refuse the connection before the request, and so
the bearer token, leaves the kiosk; the money stays queued and a technician is alerted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from core_system.server import CoreServer
from core_system.store import Store
from kiosk.clock import FakeClock
from kiosk.errors import ConfigError, CoreError
from kiosk.money.amount import Money
from kiosk.runtime.config import parse_config
from offline_queue.db import make_engine
from offline_queue.events import TechnicianAlert
from offline_queue.http import CoreHttp
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker
from tests.offline_queue.fault_proxy import Fault, FaultProxy


@dataclass
class TlsCore:
    url: str
    ca_file: Path
    fingerprint: str
    proxy: FaultProxy


def self_signed(tmp: Path) -> tuple[Path, Path, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reference core")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "core.pem", tmp / "core.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    fingerprint = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return cert_file, key_file, fingerprint


@pytest.fixture
def tls_core(tmp_path: Path) -> Iterator[TlsCore]:
    store = Store(f"sqlite:///{tmp_path}/core.db")
    store.create_schema()
    server = CoreServer(store, kiosk_tokens={"kiosk-1": "s3cret-1"})
    server.start()
    cert_file, key_file, fingerprint = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    proxy = FaultProxy(server.port, lambda n, head: Fault.PASS, tls=context)
    url = proxy.up()
    yield TlsCore(url, cert_file, fingerprint, proxy)
    proxy.down()
    server.stop()
    store.close()


def health(http: CoreHttp) -> object:
    try:
        return http.get_json("/v1/health")["status"]
    finally:
        http.close()


def test_verification_is_on_by_default_so_an_unknown_certificate_is_refused(
    tls_core: TlsCore,
) -> None:
    with pytest.raises(CoreError) as caught:
        health(CoreHttp(tls_core.url, "kiosk-1", "s3cret-1"))
    assert caught.value.code == "CORE_TLS_FAILED"
    assert tls_core.proxy.stats.requests == 0  # no request (and no token) went out


def test_ca_file_and_the_right_pin_connect(tls_core: TlsCore) -> None:
    assert health(CoreHttp(tls_core.url, "k", "t", verify=str(tls_core.ca_file))) == "ok"
    colons = ":".join(tls_core.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    pinned = CoreHttp(tls_core.url, "k", "t", verify=str(tls_core.ca_file), pin_sha256=colons)
    assert health(pinned) == "ok"


def test_a_wrong_pin_keeps_money_queued_and_alerts_a_technician(
    tls_core: TlsCore, tmp_path: Path
) -> None:
    clock = FakeClock()
    engine = make_engine(f"sqlite:///{tmp_path}/kiosk.db")
    outbox = Outbox(engine, "kiosk-1", clock)
    outbox.create_schema()
    with Session(engine) as s, s.begin():
        outbox.enqueue(
            s,
            txn_id=str(uuid.uuid4()),
            type="topup",
            amount=Money(Decimal("10.00"), "CNY"),
            tender={"type": "cash"},
            details={},
            created_at=clock.now(),
        )
    events: list[object] = []
    wrong_pin = "00" * 32
    http = CoreHttp(
        tls_core.url, "kiosk-1", "s3cret-1", verify=str(tls_core.ca_file), pin_sha256=wrong_pin
    )
    report = SyncWorker(outbox, http, clock, events.append, backoff_cap=300).sync_once()
    assert report.error_code == "CORE_TLS_FAILED" and report.retry_in_s == 300
    assert outbox.status().pending == 1
    assert any(isinstance(e, TechnicianAlert) and e.code == "CORE_TLS_FAILED" for e in events)
    assert tls_core.proxy.stats.requests == 0
    engine.dispose()


def test_config_takes_a_pin_and_refuses_a_malformed_one() -> None:
    raw = {
        "kiosk": {"id": "k-1", "data_dir": "/tmp/k"},
        "core": {"url": "https://core.example.com", "token_env": "T", "pin_sha256": "AB" * 32},
        "devices": {
            "cash": {"backend": "essp-emulated"},
            "printer": {"backend": "escpos-emulated"},
        },
    }
    assert parse_config(raw, {"T": "tok"}).core.pin_sha256 == "ab" * 32
    raw["core"]["pin_sha256"] = "not-a-fingerprint"
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, {"T": "tok"})
    assert caught.value.key == "core.pin_sha256"
    with pytest.raises(ValueError):
        CoreHttp("https://core.example.com", "k", "t", pin_sha256="1234")
