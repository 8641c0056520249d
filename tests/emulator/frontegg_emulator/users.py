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
    api_view shapes it per the modes.  "email": null stores a user without an
    e-mail (Frontegg has them: phone or SSO sign-ups); no lookup finds it."""
    if not isinstance(spec, dict):
        raise ValueError("each user must be a JSON object")
    email = spec.get("email")
    if "email" not in spec or (email is not None and (not isinstance(email, str)
                                                      or "@" not in email)):
        raise ValueError("each user needs an 'email' containing '@' (or null)")
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
        "name": spec.get("name", (email or uid).split("@", 1)[0]),
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


# A role as Frontegg's users/v3 and vendor-only reads carry it.
_ROLE_TEMPLATE = {
    "id": "3c8a9e52-6d1f-4b7a-8e3c-00000000a001",
    "key": "Admin",
    "name": "Admin",
    "description": None,
    "isDefault": False,
    "vendorId": "0f1e2d3c-4b5a-4978-8695-00000000f001",
    "createdAt": "2026-01-05T09:00:00.000Z",
    "updatedAt": "2026-01-05T09:00:00.000Z",
    "permissions": [
        {"id": "8d7c6b5a-4e3f-4a1b-9c2d-00000000b001", "key": "fe.secure.read.users",
         "name": "Read users", "description": None, "categoryId": None, "fePermission": True},
        {"id": "8d7c6b5a-4e3f-4a1b-9c2d-00000000b002", "key": "fe.secure.write.users",
         "name": "Write users", "description": None, "categoryId": None, "fePermission": True},
    ],
}


def _spec_shape(view):
    """Roles with permissions, tenants with roles, and the null-valued fields
    Frontegg sends; a client must ignore all of them."""
    role = dict(_ROLE_TEMPLATE, tenantId=view["tenantId"])
    view["roles"] = [role]
    view["permissions"] = list(role["permissions"])
    view["tenants"] = [{"tenantId": t, "roles": [role], "temporaryExpirationDate": None}
                       for t in view["tenantIds"]]
    for key in ("phoneNumber", "lastLogin", "externalId", "profileImage"):
        view.setdefault(key, None)
    view.setdefault("managedBy", "frontegg")
    view.setdefault("superUser", False)


def api_view(user, modes=None):
    """The user as Frontegg returns it.  An unlocked user's isLocked is
    absent by default (as Frontegg does), or null/false per the modes."""
    view = dict(user)
    if view.get("email") is None:
        view.pop("email", None)
    if not view.get("isLocked"):
        unlocked_is = (modes or {}).get("unlocked_is", "absent")
        view.pop("isLocked", None)
        if unlocked_is != "absent":
            view["isLocked"] = None if unlocked_is == "null" else False
    if (modes or {}).get("user_shape") == "spec":
        _spec_shape(view)
    return view
