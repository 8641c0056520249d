"""Modes: run-time switches that make the emulator disagree with a client the
way the real Frontegg might (POST /modes on the control port).

Every mode defaults to the plain, forgiving behaviour the older tests expect;
POST /reset and DELETE /modes bring the defaults back.
"""


def _bool(v):
    return isinstance(v, bool)


def _count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _seconds(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 86400


def _one_of(*choices):
    return lambda v: v in choices


def _id_list(v):
    return isinstance(v, list) and all(isinstance(i, str) for i in v)


def _optional_text(v):
    return v is None or (isinstance(v, str) and v != "")


# name -> (default, validator, what the validator wants)
MODES = {
    # "spec": roles with permissions, null fields, tenants with roles (users.py).
    "user_shape": ("plain", _one_of("plain", "spec"), "'plain' or 'spec'"),
    # How an unlocked user's isLocked looks: key absent, null, or false.
    "unlocked_is": ("absent", _one_of("absent", "null", "false"), "'absent', 'null' or 'false'"),
    "email_case_sensitive": (False, _bool, "true or false"),
    # A lock of a locked user (unlock of an unlocked one) answers 400 + errorCode.
    "strict_repeat": (False, _bool, "true or false"),
    # The token route: 'ok', or what a wrong api_url (a proxy prefix) gets.
    "token_answer": ("ok", _one_of("ok", "not_found", "not_found_json", "not_json"),
                     "'ok', 'not_found', 'not_found_json' or 'not_json'"),
    # Every API request must carry frontegg-environment-id: this value (null = off).
    "environment_id": (None, _optional_text, "null or a non-empty string"),
    # Requests per client IP per wall-clock minute (0 = off); once over it, 429
    # until the end of the minute plus rate_limit_penalty_s.
    "rate_limit_per_minute": (0, _count, "a non-negative integer"),
    "rate_limit_penalty_s": (0, _seconds, "seconds in [0, 86400]"),
    # After every listing page: delete the first N users of the stored order
    # (later items shift onto pages already served) / insert N new users in front.
    "list_churn_remove": (0, _count, "a non-negative integer"),
    "list_churn_insert": (0, _count, "a non-negative integer"),
    # User ids left out of every listing (still readable by id).
    "list_hide": ([], _id_list, "a list of user ids"),
}


def default_modes():
    return {name: (list(d) if isinstance(d, list) else d) for name, (d, _, _) in MODES.items()}


def check_modes(changes):
    """Validate a POST /modes body; ValueError names the first bad key."""
    if not isinstance(changes, dict):
        raise ValueError("modes must be a JSON object")
    for key, value in changes.items():
        if key not in MODES:
            raise ValueError("unknown mode %r (allowed: %s)" % (key, ", ".join(sorted(MODES))))
        _, valid, wants = MODES[key]
        if not valid(value):
            raise ValueError("mode %r must be %s" % (key, wants))
    return dict(changes)
