"""Roles and what each may do: the one definition.

The data migrations that create the groups (blog 0002, comments 0002), the admin, the editor's
endpoints and the moderation services all read this module. Permission names are strings, so
accounts imports no other app. A superuser has every permission, hence every role.
"""

WRITERS, EDITORS, MODERATORS = "Writers", "Editors", "Moderators"

# The pieces' roles, created with the blog's tables (blog/migrations/0002_roles.py).
PIECE_ROLES = {
    WRITERS: [
        ("blog", "add_article"),
        ("blog", "change_article"),
        ("blog", "view_article"),
        ("blog", "publish_article"),
        ("blog", "view_tag"),
        ("accounts", "view_authorprofile"),
        ("accounts", "change_authorprofile"),
    ],
    EDITORS: [
        ("blog", "add_article"),
        ("blog", "change_article"),
        ("blog", "delete_article"),
        ("blog", "view_article"),
        ("blog", "publish_article"),
        ("blog", "change_any_article"),
        ("blog", "add_tag"),
        ("blog", "change_tag"),
        ("blog", "delete_tag"),
        ("blog", "view_tag"),
        ("accounts", "view_authorprofile"),
    ],
    MODERATORS: [],  # granted with the responses' tables: MODERATOR_PERMISSIONS below
}

# The Moderators' permissions on responses (comments/migrations/0002_moderators_permissions.py):
# never the pieces'.
MODERATOR_PERMISSIONS = [
    "view_comment",
    "change_comment",
    "can_moderate",
    "view_commentrevision",
    "view_moderationlog",
    "view_report",
    "add_ban",
    "change_ban",
    "delete_ban",
    "view_ban",
    "add_moderationword",
    "change_moderationword",
    "delete_moderationword",
    "view_moderationword",
]


def role_permissions():
    """Every role with its (app_label, codename) pairs."""
    roles = {name: list(pairs) for name, pairs in PIECE_ROLES.items()}
    roles[MODERATORS] += [("comments", codename) for codename in MODERATOR_PERMISSIONS]
    return roles


# -- Who may do what ---------------------------------------------------------------------------


def can_write(user):
    """Staff allowed to add or change pieces: writers, editors, superusers."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.has_perm("blog.add_article") or user.has_perm("blog.change_article"))
    )


def can_change_any_piece(user):
    """Editors (and superusers): every piece, whoever wrote it."""
    return user.is_active and user.has_perm("blog.change_any_article")


def can_edit_piece(user, piece):
    """May `user` change `piece`? Editors change every piece, writers their own."""
    if not (can_write(user) and user.has_perm("blog.change_article")):
        return False
    return can_change_any_piece(user) or piece.author.user_id == user.pk


def can_bulk_publish(user):
    """Editors: publish, schedule and unpublish anyone's pieces in bulk."""
    return user.has_perm("blog.publish_article") and can_change_any_piece(user)


def can_add_pieces(user):
    return user.is_active and user.is_staff and user.has_perm("blog.add_article")


def sees_every_profile(user):
    """Superusers, and editors, who work with every writer (read-only: they cannot change them)."""
    return user.is_superuser or user.has_perm("blog.change_any_article")


def can_moderate(user):
    return bool(user and user.is_authenticated and user.has_perm("comments.can_moderate"))
