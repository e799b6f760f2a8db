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
import threading
import time
import tomllib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
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
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    # A browser at 127.0.0.1 reaches a dual-stack server as ::ffff:127.0.0.1 (IPv4-mapped IPv6).
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


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


# -- guessing ------------------------------------------------------------------
FREE_TRIES = 5  # wrong passwords from one address before it has to wait
FIRST_WAIT_S = 30.0  # the wait after the last free try; doubled for each further wrong one
MAX_WAIT_S = 3600.0
GLOBAL_TRIES_PER_MINUTE = 30  # all addresses together: many addresses cannot guess faster than this
FORGET_AFTER_S = 24 * 3600.0  # an address that stopped guessing is forgotten after a day
MAX_TRACKED = 10_000  # addresses remembered at most (the oldest are dropped first)
SESSION_TTL_S = 12 * 3600.0  # a login lasts this long


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0


class LoginLimiter:
    """Limits password guessing, in memory and thread-safe (one per server).

    Per address: ``free_tries`` wrong passwords, then a wait of ``first_wait_s``
    that doubles with every further wrong one (up to ``max_wait_s``); a right
    password clears the address. Globally: at most ``per_minute`` tries a
    minute from all addresses together. ``clock`` (seconds, monotonic) is
    injectable so that tests need not sleep.

    Use: ``wait = limiter.begin(address)``; when ``wait > 0`` refuse without
    checking the password, else check it and call ``succeeded`` or ``failed``.
    """

    def __init__(
        self,
        *,
        free_tries: int = FREE_TRIES,
        first_wait_s: float = FIRST_WAIT_S,
        max_wait_s: float = MAX_WAIT_S,
        per_minute: int = GLOBAL_TRIES_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_tries, self.first_wait_s, self.max_wait_s = free_tries, first_wait_s, max_wait_s
        self.per_minute, self.clock = per_minute, clock
        self._lock = threading.Lock()
        self._records: dict[str, _Record] = {}
        self._recent: deque[float] = deque()  # when the tries of the last minute began

    @staticmethod
    def _key(address: str | None) -> str:
        return (address or "unknown").strip().lower()

    def _address_wait(self, record: _Record | None, now: float) -> float:
        if record is None or record.failures < self.free_tries:
            return 0.0
        extra = record.failures - self.free_tries
        wait = min(self.max_wait_s, self.first_wait_s * 2.0 ** min(extra, 32))
        return max(0.0, record.last_failure + wait - now)

    def _forget_old(self, now: float) -> None:
        while self._recent and now - self._recent[0] >= 60.0:
            self._recent.popleft()
        if len(self._records) > MAX_TRACKED:
            stale = [k for k, r in self._records.items() if now - r.last_failure > FORGET_AFTER_S]
            for k in stale:
                del self._records[k]
            for k in sorted(self._records, key=lambda k: self._records[k].last_failure)[
                : max(0, len(self._records) - MAX_TRACKED)
            ]:
                del self._records[k]

    def _wait(self, address: str | None, now: float) -> float:
        self._forget_old(now)
        wait = self._address_wait(self._records.get(self._key(address)), now)
        if len(self._recent) >= self.per_minute:
            wait = max(wait, self._recent[0] + 60.0 - now)
        return wait

    def wait_s(self, address: str | None) -> float:
        """Seconds this address must still wait before a try is accepted (0: it may try now)."""
        with self._lock:
            return self._wait(address, self.clock())

    def begin(self, address: str | None) -> float:
        """Ask to try a password: 0 when allowed (the try is counted), else the seconds to wait."""
        with self._lock:
            now = self.clock()
            wait = self._wait(address, now)
            if wait > 0:
                return wait
            self._recent.append(now)
            return 0.0

    def failed(self, address: str | None) -> None:
        """A wrong password from this address."""
        with self._lock:
            now = self.clock()
            record = self._records.setdefault(self._key(address), _Record())
            if now - record.last_failure > FORGET_AFTER_S:
                record.failures = 0
            record.failures += 1
            record.last_failure = now

    def succeeded(self, address: str | None) -> None:
        """The right password: the address starts afresh."""
        with self._lock:
            self._records.pop(self._key(address), None)


def session_valid(logged_in_at: float | None, now: float, ttl_s: float = SESSION_TTL_S) -> bool:
    """Whether a login made at ``logged_in_at`` (epoch seconds) still holds at ``now``."""
    return logged_in_at is not None and 0.0 <= now - logged_in_at < ttl_s
