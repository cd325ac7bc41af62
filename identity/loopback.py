"""A real OpenID provider on loopback, for the identity tests and for trying single sign-on in
the demo (`concord demo-sso`): the npm package oidc-provider, run by node from
scripts/oidc_provider.mjs, one process per provider (one per council, as each council has its
own directory), with keys made here, so that tests can also sign tokens the provider would never
issue (expired ones) with the provider's own key."""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "oidc_provider.mjs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LoopbackProvider:
    """One running provider: its issuer, its client's id and secret, its signing key."""

    issuer: str
    client_id: str
    client_secret: str
    key: RSAKey
    accounts: dict[str, dict[str, Any]]
    process: subprocess.Popen[str] | None = None
    workdir: Any = field(default=None, repr=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.workdir is not None:
            self.workdir.cleanup()


def start_provider(
    client_id: str,
    redirect_uris: list[str],
    accounts: dict[str, dict[str, Any]],
    id_token_ttl: int = 3600,
    port: int | None = None,
) -> LoopbackProvider:
    """Start oidc-provider on loopback (`port`, or a free one) and wait until it listens."""
    port = port or free_port()
    issuer = f"http://127.0.0.1:{port}"
    key = RSAKey.generate_key(2048, parameters={"alg": "RS256", "use": "sig"}, auto_kid=True)
    secret = f"secret-of-{client_id}-{port}"
    config = {
        "issuer": issuer,
        "port": port,
        "jwks": {"keys": [key.as_dict(private=True)]},
        "clients": [
            {
                "client_id": client_id,
                "client_secret": secret,
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": [],
                "token_endpoint_auth_method": "client_secret_basic",
                "response_types": ["code"],
                "grant_types": ["authorization_code"],
            }
        ],
        "accounts": accounts,
        "idTokenTtl": id_token_ttl,
    }
    workdir = tempfile.TemporaryDirectory(prefix="concord-oidc-")
    path = Path(workdir.name) / "config.json"
    path.write_text(json.dumps(config))
    process = subprocess.Popen(  # noqa: S603 (our own script, arguments made here)
        ["node", str(SCRIPT), str(path)],  # noqa: S607 (node on PATH, as docs/identity.md says)
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    provider = LoopbackProvider(issuer, client_id, secret, key, accounts, process, workdir)
    deadline = time.monotonic() + 20
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("ready"):
            # Keep reading what it prints (warnings), so that a full pipe never blocks it.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return provider
        if not line and process.poll() is not None:
            break
    provider.stop()
    raise RuntimeError(f"oidc-provider did not start: {line!r}")
