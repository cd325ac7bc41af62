"""A real IMAP server on loopback for the tests: Debian's dovecot, started in a temporary
folder with a generated configuration (a Maildir, one user in a passwd file, plain-text
sign-in allowed on 127.0.0.1, a free port), stopped afterwards.

    def test_something(imap_server):
        imap_server.append(message_bytes)          # into the user's INBOX
        ...                                        # read it with imaplib
        imap_server.unseen()                       # what is still unseen

Without the ``dovecot`` binary (``apt-get install dovecot-imapd``; CI installs it) the tests
that use it are skipped, saying so.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.testing.mail import free_port

USER = "desk"
PASSWORD = "desk-mailbox-password"  # noqa: S105 - a throwaway mailbox's, on loopback only


def dovecot_binary() -> str | None:
    """Where dovecot is (it lives in /usr/sbin, which a user's PATH may lack)."""
    return shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    folder: Path

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4(self.host, self.port, timeout=10)
        connection.login(self.user, self.password)
        return connection

    def append(self, message: bytes, folder: str = "INBOX") -> None:
        """Put a message in a folder, unseen, as a mail server delivering it would."""
        connection = self.connect()
        try:
            arrived = imaplib.Time2Internaldate(time.time())
            answer: Any = connection.append(folder, "", arrived, message)
            assert answer[0] == "OK", answer
        finally:
            connection.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        """How many messages of the folder are still unseen."""
        connection = self.connect()
        try:
            connection.select(folder)
            status, found = connection.search(None, "UNSEEN")
            assert status == "OK", status
            return len(found[0].split()) if found and found[0] else 0
        finally:
            connection.logout()


def _config(root: Path, port: int, uid: int, gid: int, user: str) -> str:
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    text = log.read_text() if log.exists() else ""
    raise RuntimeError(f"dovecot did not start on 127.0.0.1:{port}: {text[-2000:]}")


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    """Dovecot on 127.0.0.1 (a free port) with one user, ``desk``, and an empty INBOX."""
    binary = dovecot_binary()
    if binary is None:
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd (CI installs it)")
    # A folder of its own, not under pytest's (private to the user running the tests): run as
    # root, dovecot reads its users and mail as its own unprivileged account.
    root = Path(tempfile.mkdtemp(prefix="concord-dovecot-"))
    try:
        yield from _serve(binary, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _serve(binary: str, root: Path) -> Iterator[ImapServer]:
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir(parents=True)
    if os.geteuid() == 0:
        # Dovecot never reads mail as root: its own unprivileged account does.
        account = pwd.getpwnam("dovecot")
        for path in (root / "mail", root / "home"):
            os.chown(path, account.pw_uid, account.pw_gid)
        os.chmod(root, 0o755)  # noqa: S103 - dovecot's account reads its configuration
    else:
        account = pwd.getpwuid(os.geteuid())
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port, account.pw_uid, account.pw_gid, account.pw_name))
    process = subprocess.Popen(  # noqa: S603 - dovecot, with the configuration written above
        [binary, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, process, root / "dovecot.log")
        yield ImapServer("127.0.0.1", port, USER, PASSWORD, root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
