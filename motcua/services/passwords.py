"""Passwords: the policy that refuses guessable ones, and the cap on concurrent hashing.

Why a policy: `12345678` and eight spaces were accepted (issue 11 item 6). A password is refused
when it is short, when it is one of the most common passwords (the top of zxcvbn's list, drawn
from leaked password sets, plus a few Vietnamese favourites zxcvbn's English lists miss), or when
zxcvbn estimates it too easy to guess (it also catches the user's own name and the platform's).

Why a cap: Argon2 is slow on purpose, so sixteen threads hashing at once starve every other
request of CPU (a spray moved others from 3 ms to 773 ms). Each process lets only a few hashes run
at once; a request that cannot get a slot quickly is answered 503 with Retry-After rather than
queued without end.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from motcua.errors import Invalid, ServiceError

# The demo province's accounts share this password (README); in production it never opens a
# session and can never be set.
DEMO_PASSWORD = "motcua-demo"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("không-dùng")  # equal work for unknown users: no timing oracle
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the first 72 characters decide its estimate

# Common in Vietnam and missing from zxcvbn's (English) lists; compared without case.
_VIETNAMESE_COMMON = frozenset({
    "matkhau", "matkhau1", "matkhau12", "matkhau123", "matkhau1234", "matkhaumoi", "anhyeuem",
    "anhyeuem123", "emyeuanh", "emyeuanh123", "yeuem", "yeuanh", "iloveyou", "vietnam", "vietnam123",
    "hanoi", "hanoi123", "saigon", "saigon123", "tuyenquang", "tuyenquang123", "motcua", "motcua123",
    "mot-cua", "quantri", "quantri123", "admin123", "123456789a", "a123456789",
    "khongbiet", "khongcopass", "1234567890", "0123456789", "12345678910", "987654321", "147258369",
    "123123123", "hoilamgi", "chaoban", "xinchao", "xinchao123", "thanhpho", "conmeo", "concho",
})
_PROJECT_WORDS = ("motcua", "mot cua", "một cửa", "tuyenquang", "tuyên quang", "tthc", "dichvucong")


class Busy(ServiceError):
    """Every hashing slot of this process is taken: come back in a moment."""
    status, type, title = 503, "busy", "Hệ thống đang bận"


@dataclass(frozen=True)
class PasswordPolicy:
    """Read from config.yaml `security`; the defaults are the documented values."""
    min_length: int = 10
    min_score: int = 2
    common_top: int = 10000
    refused: frozenset = field(default_factory=frozenset)  # more refused passwords (the demo one in production)

    @classmethod
    def from_settings(cls, settings) -> "PasswordPolicy":
        section = settings.section("security")
        refused = frozenset()
        if settings.env == "production":
            refused = frozenset({DEMO_PASSWORD})
        return cls(min_length=int(section["password_min_length"]),
                   min_score=int(section["password_min_score"]),
                   common_top=int(section["password_common_top"]), refused=refused)


_common_cache: dict[int, frozenset] = {}


def _common(top: int) -> frozenset:
    if top not in _common_cache:
        _common_cache[top] = frozenset(FREQUENCY_LISTS["passwords"][:top]) | _VIETNAMESE_COMMON
    return _common_cache[top]


def problems(password: str, policy: PasswordPolicy, *, user_inputs: tuple = ()) -> list[str]:
    """What is wrong with a new password, in Vietnamese; empty when it may be used."""
    if len(password.strip()) < policy.min_length:
        return [f"Mật khẩu phải có ít nhất {policy.min_length} ký tự (không tính khoảng trắng ở hai đầu)."]
    folded = password.strip().lower()
    if folded in _common(policy.common_top) or password in policy.refused:
        return ["Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác."]
    inputs = [str(x) for x in user_inputs if x] + list(_PROJECT_WORDS)
    if zxcvbn(password[:_ZXCVBN_MAX], user_inputs=inputs)["score"] < policy.min_score:
        return ["Mật khẩu quá dễ đoán (tên, từ thông dụng, dãy lặp hoặc dãy liên tiếp); hãy dùng một cụm "
                "từ dài hơn, khó đoán hơn."]
    return []


def require_acceptable(password: str, policy: PasswordPolicy, *, user_inputs: tuple = (),
                       field_name: str = "password") -> None:
    found = problems(password, policy, user_inputs=user_inputs)
    if found:
        raise Invalid(f"Mật khẩu không đạt yêu cầu: {found[0]}", errors={field_name: found})


class HashingSlots:
    """At most `size` Argon2 computations at once in this process."""

    def __init__(self, size: int, wait_seconds: float):
        self._slots = threading.BoundedSemaphore(max(1, size))
        self.wait_seconds = wait_seconds

    def __enter__(self):
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise Busy("Hệ thống đang xử lý nhiều lượt đăng nhập; vui lòng thử lại sau giây lát.",
                       extra={"retry_after": 1})
        return self

    def __exit__(self, *exc):
        self._slots.release()


_slots_lock = threading.Lock()


def slots(platform) -> HashingSlots:
    """The platform's hashing slots (one set per process: `platform.state` lives in the process)."""
    found = platform.state.get("hashing_slots")
    if found is None:
        with _slots_lock:
            found = platform.state.get("hashing_slots")
            if found is None:
                section = platform.settings.section("security")
                found = platform.state["hashing_slots"] = HashingSlots(
                    int(section["password_hash_concurrency"]),
                    float(section["password_hash_wait_seconds"]))
    return found


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; an unknown user (None) costs the same time and is False."""
    try:
        _hasher.verify(stored_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
