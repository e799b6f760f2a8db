"""The trainer library's password: salted scrypt hashes, kept in the app's config, never in the code.

The hash lives in ``$FORMCHECK_DATA/auth.toml`` (``password_hash = "..."``) or
in the ``FORMCHECK_PASSWORD_HASH`` environment variable (which wins). A
login is asked for only when the app can be reached from other machines:
client data must not be open to a network, but a coach on their own laptop
should not have to type a password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import secrets
import tomllib
from pathlib import Path
from urllib.parse import urlparse

from analyzer.store.files import data_dir

# scrypt cost: n=2**14, r=8 takes ~50 ms and 16 MiB here (OWASP's minimum is n=2**17 with r=8 for
# interactive logins on servers; a password typed once per session can afford this).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
AUTH_FILE = "auth.toml"
ENV_HASH = "FORMCHECK_PASSWORD_HASH"
ENV_PUBLIC = "FORMCHECK_PUBLIC"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}
WILDCARD = {"0.0.0.0", "::"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$n$r$p$salt$hash``: the parameters travel with the hash so they can be raised later."""
    if not password:
        raise ValueError("The password must not be empty.")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.strip().split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        got = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), maxmem=64 * 1024 * 1024,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def stored_hash(root: Path | None = None) -> str | None:
    """The configured password hash, or None when no password has been set."""
    env = os.environ.get(ENV_HASH, "").strip()
    if env:
        return env
    path = (root or data_dir()) / AUTH_FILE
    if not path.is_file():
        return None
    try:
        value = tomllib.loads(path.read_text()).get("password_hash")
    except tomllib.TOMLDecodeError:
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None


def set_password(password: str, root: Path | None = None) -> Path:
    """Write the hash of ``password`` to ``auth.toml``, readable by the owner only."""
    path = (root or data_dir()) / AUTH_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f'# written by `formcheck set-password`\npassword_hash = "{hash_password(password)}"\n')
    os.replace(tmp, path)
    return path


def _is_local(host: str | None) -> bool:
    if host is None:
        return True
    host = host.strip("[]").lower()
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def needs_login(server_address: str | None, remote_ip: str | None = None, url: str | None = None) -> bool:
    """Whether the library must ask for the password.

    Yes when ``FORMCHECK_PUBLIC=1``, when the server is bound to an address
    other than loopback, or when this visitor reaches it from elsewhere (a
    remote IP, or a URL whose host is not localhost). Streamlit's default
    address (empty: all interfaces) alone does not force a login, so that
    ``make run`` on a laptop works without one, but a visitor from another
    machine is still asked.
    """
    if os.environ.get(ENV_PUBLIC, "").strip().lower() in {"1", "true", "yes"}:
        return True
    if server_address and server_address not in WILDCARD and not _is_local(server_address):
        return True
    host = urlparse(url).hostname if url else None
    return not (_is_local(remote_ip) and _is_local(host))
