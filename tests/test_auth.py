"""The library's login: who counts as local, how guessing is limited, how long a login lasts."""

from __future__ import annotations

import threading

import pytest

import analyzer.store.auth as auth


class Clock:
    """A clock the test moves by hand: nothing sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("::ffff:127.0.0.1", True),
        ("[::ffff:127.0.0.1]", True),
        ("::FFFF:127.0.0.2", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        (None, True),
        ("::ffff:192.0.2.7", False),
        ("192.0.2.7", False),
        ("2001:db8::1", False),
        ("my-laptop.example", False),
    ],
)
def test_ipv4_mapped_loopback_is_local(host: str | None, local: bool) -> None:
    assert auth._is_local(host) is local


def test_a_browser_at_127_0_0_1_seen_as_ipv4_mapped_needs_no_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(auth.ENV_PUBLIC, raising=False)
    assert not auth.needs_login("127.0.0.1", "::ffff:127.0.0.1", "http://127.0.0.1:8501/")
    assert auth.needs_login("127.0.0.1", "::ffff:192.0.2.7", "http://127.0.0.1:8501/")


def test_five_tries_then_a_growing_wait_per_address() -> None:
    clock = Clock()
    limiter = auth.LoginLimiter(free_tries=5, first_wait_s=30, max_wait_s=300, per_minute=1000, clock=clock)
    for _ in range(5):
        assert limiter.begin("192.0.2.7") == 0
        limiter.failed("192.0.2.7")
    assert limiter.begin("192.0.2.7") == pytest.approx(30)  # refused, and says how long
    assert limiter.begin("192.0.2.8") == 0  # another address is not held up
    clock.now += 29
    assert limiter.wait_s("192.0.2.7") == pytest.approx(1)
    clock.now += 1
    assert limiter.begin("192.0.2.7") == 0
    limiter.failed("192.0.2.7")
    assert limiter.begin("192.0.2.7") == pytest.approx(60)  # doubled
    clock.now += 60
    limiter.begin("192.0.2.7")
    limiter.failed("192.0.2.7")
    assert limiter.wait_s("192.0.2.7") == pytest.approx(120)
    for _ in range(10):
        clock.now += 1000
        limiter.begin("192.0.2.7")
        limiter.failed("192.0.2.7")
    assert limiter.wait_s("192.0.2.7") == pytest.approx(300)  # capped


def test_the_right_password_clears_the_address() -> None:
    clock = Clock()
    limiter = auth.LoginLimiter(free_tries=5, per_minute=1000, clock=clock)
    for _ in range(4):
        limiter.begin("a")
        limiter.failed("a")
    limiter.begin("a")
    limiter.succeeded("a")
    for _ in range(5):
        assert limiter.begin("a") == 0
        limiter.failed("a")
    assert limiter.begin("a") > 0


def test_global_cap_of_tries_a_minute() -> None:
    clock = Clock()
    limiter = auth.LoginLimiter(free_tries=5, per_minute=10, clock=clock)
    for i in range(10):
        assert limiter.begin(f"198.51.100.{i}") == 0
        limiter.failed(f"198.51.100.{i}")
        clock.now += 1
    wait = limiter.begin("198.51.100.200")  # a fresh address, but the minute's tries are used up
    assert wait == pytest.approx(50)
    clock.now += 50
    assert limiter.begin("198.51.100.200") == 0  # the oldest try left the window


def test_unknown_address_is_one_bucket() -> None:
    limiter = auth.LoginLimiter(free_tries=1, per_minute=1000, clock=Clock())
    limiter.begin(None)
    limiter.failed(None)
    assert limiter.begin("") > 0 and limiter.begin("unknown") > 0


def test_limiter_is_thread_safe() -> None:
    limiter = auth.LoginLimiter(free_tries=5, per_minute=50, clock=Clock())
    allowed: list[float] = []

    def guess(n: int) -> None:
        for _ in range(20):
            if limiter.begin(f"203.0.113.{n}") == 0:
                allowed.append(1)
                limiter.failed(f"203.0.113.{n}")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 50  # 20 addresses × 5 free tries would be 100: the global cap holds


def test_a_login_expires() -> None:
    assert auth.session_valid(1000.0, 1000.0 + 60)
    assert not auth.session_valid(1000.0, 1000.0 + auth.SESSION_TTL_S)
    assert not auth.session_valid(None, 1000.0)
    assert not auth.session_valid(2000.0, 1000.0)  # from the future: not trusted
    assert auth.SESSION_TTL_S == 12 * 3600
