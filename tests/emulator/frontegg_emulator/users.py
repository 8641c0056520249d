"""User records: control-API specs in, Frontegg-shaped objects out."""

import json
import uuid

from .common import DEFAULT_TENANT_ID, PROFILE_PICTURE, USER_ID_RE


# Keys of a control-API user spec that build_user() interprets; any other key
# is copied into the user object verbatim (lets tests add odd extra fields).
_SPEC_KEYS = {"id", "email", "name", "isLocked", "tenantId", "tenantIds", "metadata",
              "verified", "createdAt"}


def build_user(spec, created_at):
    """Validate a control-API user spec and return the stored record.

    The record uses Frontegg's field names; isLocked is always a bool here and
    is dropped from API responses when false (api_view)."""
    if not isinstance(spec, dict):
        raise ValueError("each user must be a JSON object")
    email = spec.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ValueError("each user needs an 'email' containing '@'")
    uid = spec.get("id") or str(uuid.uuid4())
    if not isinstance(uid, str) or not USER_ID_RE.fullmatch(uid):
        raise ValueError("bad user id %r (allowed: %s)" % (uid, USER_ID_RE.pattern))
    locked = spec.get("isLocked", False)
    if not isinstance(locked, bool):
        raise ValueError("'isLocked' must be true or false")
    tenant = spec.get("tenantId", DEFAULT_TENANT_ID)
    tenant_ids = spec.get("tenantIds", [tenant])
    if not isinstance(tenant, str) or not isinstance(tenant_ids, list):
        raise ValueError("'tenantId' must be a string and 'tenantIds' a list")
    metadata = spec.get("metadata", "{}")
    if not isinstance(metadata, str):
        metadata = json.dumps(metadata)   # Frontegg sends metadata as a JSON string
    user = {
        "id": uid,
        "email": email,
        "name": spec.get("name", email.split("@", 1)[0]),
        "sub": uid,
        "tenantId": tenant,
        "tenantIds": list(tenant_ids),
        "tenants": [{"tenantId": t, "roles": []} for t in tenant_ids],
        "profilePictureUrl": PROFILE_PICTURE,
        "verified": spec.get("verified", True),
        "metadata": metadata,
        "provider": "local",
        "mfaEnrolled": False,
        "roles": [],
        "permissions": [],
        "createdAt": spec.get("createdAt", created_at),
        "isLocked": locked,
    }
    for key, value in spec.items():
        if key not in _SPEC_KEYS:
            user[key] = value
    return user


def api_view(user):
    """The user as Frontegg returns it: isLocked only present when true."""
    view = dict(user)
    if not view.get("isLocked"):
        view.pop("isLocked", None)
    return view


