"""The API's limits, read from config.yaml (`security`, and `auth.public_lookups_per_minute`) and
counted in the database by motcua/services/throttle.py, so that every worker process shares them.

Sign-in (issue 11 item 6):
- per address, across accounts: at most `login_failures_per_address` failures a window (a spray of
  user names from one address meets a 429);
- per account, across addresses: after `login_account_free_failures` failures every further one
  doubles a delay (`login_account_delay_seconds` … `login_account_max_delay_seconds`) during which
  the account's sign-in answers 429 without hashing. A success clears the account's count.

Public look-ups (issue 11 item 8): per client, all look-ups a minute; per client *and* code, the
wrong guesses an hour. Nobody else's guesses can lock a citizen out of their own dossier, and
the holder of the receipt's key is never limited (`key_valid`, once receipts carry a lookup key).
"""
from __future__ import annotations

from contextlib import contextmanager

from api.security import client_address
from motcua.errors import NotFound
from motcua.services import throttle
from motcua.services.throttle import Backoff, Window

LOGIN_MESSAGE = "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau."
LOOKUP_MESSAGE = "Tra cứu quá nhiều lần; vui lòng thử lại sau."


def _security(platform) -> dict:
    return platform.settings.section("security")


def login_address_rule(platform) -> Window:
    s = _security(platform)
    return Window("login-address", int(s["login_failures_per_address"]),
                  int(s["login_address_window_seconds"]), LOGIN_MESSAGE)


def login_account_rule(platform) -> Backoff:
    s = _security(platform)
    return Backoff("login-account", int(s["login_account_free_failures"]),
                   int(s["login_account_delay_seconds"]),
                   int(s["login_account_max_delay_seconds"]), LOGIN_MESSAGE)


def lookup_client_rule(platform) -> Window:
    per_minute = int(platform.settings.section("auth")["public_lookups_per_minute"])
    return Window("lookup-client", per_minute, 60, LOOKUP_MESSAGE)


def lookup_code_rule(platform) -> Window:
    s = _security(platform)
    return Window("lookup-client-code", int(s["lookup_failures_per_client_code"]),
                  int(s["lookup_failure_window_seconds"]), LOOKUP_MESSAGE)


def account_subject(username: str) -> str:
    return username.strip().lower()


# sign-in ------------------------------------------------------------------------------------------

def before_sign_in(platform, username: str) -> None:
    """429 when this address has failed too often, or the account waits out its delay."""
    throttle.check_window(platform, login_address_rule(platform), client_address())
    throttle.check_backoff(platform, login_account_rule(platform), account_subject(username))


def sign_in_failed(platform, username: str) -> int:
    """Count a failure for the address and the account; returns the account's new delay (seconds)."""
    throttle.hit_window(platform, login_address_rule(platform), client_address(), enforce=False)
    return throttle.add_failure(platform, login_account_rule(platform), account_subject(username))


def sign_in_succeeded(platform, username: str) -> None:
    throttle.clear(platform, "login-account", account_subject(username))


# public look-ups ----------------------------------------------------------------------------------

def _client_code(code: str) -> str:
    return f"{client_address()}|{code}"


def before_lookup(platform, code: str, *, key_valid: bool = False) -> None:
    """Count this look-up for the client and refuse a client that guessed this code too often.
    `key_valid`: the caller showed the receipt's lookup key, and the holder is never limited."""
    if key_valid:
        return
    throttle.hit_window(platform, lookup_client_rule(platform), client_address())
    throttle.check_window(platform, lookup_code_rule(platform), _client_code(code))


def lookup_failed(platform, code: str) -> None:
    """A wrong code or wrong digits: one more guess by this client at this code."""
    throttle.hit_window(platform, lookup_code_rule(platform), _client_code(code), enforce=False)


@contextmanager
def misses_counted(platform, code: str):
    """Around a public call that answers 404 for a wrong code or wrong digits: each 404 counts
    as one more guess by this client at this code (`lookup_failed`), then goes on out."""
    try:
        yield
    except NotFound:
        lookup_failed(platform, code)
        raise


# complaints and recommendations (PAKN) ------------------------------------------------------------

FEEDBACK_MESSAGE = "Gửi phản ánh, kiến nghị quá nhiều lần; vui lòng thử lại sau."


def feedback_client_rule(platform) -> Window:
    per_hour = int(platform.settings.section("feedback")["submissions_per_hour"])
    return Window("feedback-client", per_hour, 3600, FEEDBACK_MESSAGE)


def before_feedback(platform, dossier_code: str | None) -> None:
    """Count a PAKN sent by this client (at most `feedback.submissions_per_hour`); one naming a
    dossier also meets the dossier look-up limits, so the form is no way to guess phone digits."""
    throttle.hit_window(platform, feedback_client_rule(platform), client_address())
    if dossier_code:
        before_lookup(platform, dossier_code.strip().upper())
