"""GET /identity/resources/users/v3: filters and order of one listing."""

SORT_KEYS = ("createdAt", "name", "email", "id", "verified", "isLocked", "provider", "tenantId")


class BadListing(ValueError):
    """A query parameter Frontegg would answer 400 to."""


def _first(query, name):
    values = query.get(name)
    return values[0] if values else None


def _ids(query):
    """ids=a,b and ids=a&ids=b are both accepted (Frontegg does not say which)."""
    wanted = set()
    for value in query.get("ids", []):
        wanted.update(part.strip() for part in value.split(",") if part.strip())
    return wanted


def _sort_value(user, key):
    """Missing and null sort as the type's zero: an unlocked user is
    isLocked false, so _sortBy=isLocked&_order=DESC puts locked users first."""
    value = user.get(key)
    if key in ("isLocked", "verified"):
        return bool(value)
    return "" if value is None else str(value)


def check_sort(query):
    """(key or None, descending) or BadListing."""
    key, order = _first(query, "_sortBy"), (_first(query, "_order") or "ASC").upper()
    if key is not None and key not in SORT_KEYS:
        raise BadListing("_sortBy must be one of " + ",".join(SORT_KEYS))
    if order not in ("ASC", "DESC"):
        raise BadListing("_order must be ASC or DESC")
    return key, order == "DESC"


def select(ordered, query, hidden):
    """The users of a listing in its order: stored order unless _sortBy
    (a stable sort, so ties keep stored order); ids=, _email (substring,
    case-insensitive) and _tenantId filter; hidden ids are left out."""
    key, descending = check_sort(query)
    ids, email, tenant = _ids(query), _first(query, "_email"), _first(query, "_tenantId")
    hidden = set(hidden)
    chosen = [u for u in ordered if u["id"] not in hidden
              and (not ids or u["id"] in ids)
              and (not email or email.lower() in (u.get("email") or "").lower())
              and (not tenant or tenant in u.get("tenantIds", []))]
    if key is not None:
        chosen.sort(key=lambda u: _sort_value(u, key), reverse=descending)
    return chosen
