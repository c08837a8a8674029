"""Roles and permissions: the ONE table of who may do what.

Views, templates and the CLI ask `can(user, permission)`; nothing else in the
code compares role names. A route that declares no permission is refused.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The roles a person may hold; several at once is normal."""

    SERGEANT = "sergeant"
    HUB_REVIEWER = "hub_reviewer"
    PARTNERSHIP_LEAD = "partnership_lead"
    ADMIN = "admin"
    QUESTION_SET_EDITOR = "question_set_editor"


ROLE_LABELS = {
    Role.SERGEANT: "Sergeant (debrief host)",
    Role.HUB_REVIEWER: "Safeguarding hub reviewer",
    Role.PARTNERSHIP_LEAD: "Partnership lead",
    Role.ADMIN: "Administrator",
    Role.QUESTION_SET_EDITOR: "Question set editor",
}


class Permission(StrEnum):
    """Things a person may do; each route and command needs exactly one."""

    SIGNED_IN = "signed_in"  # own account pages, sign-out
    DEBRIEF_HOST = "debrief_host"  # start, edit, submit and list one's own debriefs
    REVIEW = "review"  # the queue, any non-draft debrief, themes, actions, return, close
    EXPORT_THEMES = "export_themes"  # thematic spreadsheet (partner copy)
    EXPORT_SENSITIVE = "export_sensitive"  # free text and unsuppressed small numbers
    DASHBOARD = "dashboard"  # compliance dashboard
    IMPORT_LISTS = "import_lists"  # NCCU and events imports, reconciliation
    MANAGE_USERS = "manage_users"
    AUDIT = "audit"  # read and export the audit trail
    # The question set: upload drafts, preview, compare, publish, roll back, download.
    QUESTION_SET = "question_set"
    # Record that an outstanding intelligence document was submitted: the debrief's
    # sergeant, their supervisor or the hub (compliance/chasing.may_record checks which).
    RECORD_INTEL_DOC = "record_intel_doc"
    MANAGE_LISTS = "manage_lists"  # teams and recipient groups, a person's team
    # Sign in with a password while single sign-on is on and SSO_LOCAL_SIGN_IN is "admins":
    # the break-glass way in when the identity provider is down.
    BREAK_GLASS_SIGN_IN = "break_glass_sign_in"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SERGEANT: frozenset(
        {Permission.SIGNED_IN, Permission.DEBRIEF_HOST, Permission.RECORD_INTEL_DOC}
    ),
    Role.HUB_REVIEWER: frozenset(
        {
            Permission.SIGNED_IN,
            Permission.REVIEW,
            Permission.EXPORT_THEMES,
            Permission.EXPORT_SENSITIVE,
            Permission.DASHBOARD,
            Permission.IMPORT_LISTS,
            Permission.RECORD_INTEL_DOC,
        }
    ),
    Role.PARTNERSHIP_LEAD: frozenset(
        {Permission.SIGNED_IN, Permission.EXPORT_THEMES, Permission.DASHBOARD}
    ),
    Role.ADMIN: frozenset(
        {
            Permission.SIGNED_IN,
            Permission.MANAGE_USERS,
            Permission.AUDIT,
            Permission.QUESTION_SET,
            Permission.MANAGE_LISTS,
            Permission.BREAK_GLASS_SIGN_IN,
        }
    ),
    # Changes the debrief questions without managing accounts or reading the audit trail.
    Role.QUESTION_SET_EDITOR: frozenset({Permission.SIGNED_IN, Permission.QUESTION_SET}),
}

# Where each role starts after signing in, first match wins for people with several.
START_PAGES: list[tuple[Role, str]] = [
    (Role.SERGEANT, "debriefs.index"),
    (Role.HUB_REVIEWER, "review.queue"),
    (Role.PARTNERSHIP_LEAD, "exports.index"),
    (Role.ADMIN, "admin.users"),
    (Role.QUESTION_SET_EDITOR, "admin.question_set"),
]


def parse_role(name: str) -> Role:
    """Return the Role for a name, or raise ValueError listing the valid names."""
    try:
        return Role(name)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValueError(f"Unknown role {name!r}; choose from {valid}.") from None


def permissions_for(roles) -> frozenset[Permission]:
    """Return every permission granted by any of the given role names."""
    granted: set[Permission] = set()
    for name in roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue  # a role name no longer known grants nothing
    return frozenset(granted)


def can(user, permission: Permission) -> bool:
    """Tell whether this person may do this; anonymous and inactive people may not."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "active", False):
        return False
    return permission in permissions_for(user.roles)


def start_endpoint(user) -> str:
    """Return the endpoint a person lands on after signing in."""
    for role, endpoint in START_PAGES:
        if role.value in user.roles:
            return endpoint
    return "auth.account"
