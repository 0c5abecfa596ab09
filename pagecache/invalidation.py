"""Every content change makes every cached page fresh: a new generation after the commit.

Receivers watch the models whose data readers see (PAGECACHE_WATCHED_MODELS, looked up by
label so this package imports no app). A change inside a transaction starts a provisional
generation at once (so this process never serves a page it knows is stale, even before the
commit) and another once the transaction commits: pages rendered from the old data in between,
by any process, are left behind. A rolled-back transaction costs one needless generation.
Other processes pick a new generation up within PAGECACHE_GENERATION_CHECK_INTERVAL.
"""

from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import conf
from .generation import generation


def _label(model):
    return model._meta.label_lower


def _watched(sender, update_fields=None):
    watched = conf.get("PAGECACHE_WATCHED_MODELS")
    label = _label(sender)
    if label not in watched:
        return False
    return not (update_fields and set(update_fields) <= set(watched[label]))


def _bump_after_commit(using):
    generation.bump(using=using)


def content_changed(using="default"):
    """Make every page fresh now in this process, and everywhere once the change commits."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        generation.bump(using=using)  # autocommit: the change is already visible
        return
    generation.bump(using=using, provisional=True)
    # One bump per commit: skip if one is queued at this very savepoint depth (one queued in an
    # inner savepoint may yet be rolled back; one queued outside also runs at this commit, but
    # queueing again there costs one spare bump and keeps on_commit capture in tests simple).
    # Private Django state (no public way to see what on_commit holds): savepoint_ids and
    # run_on_commit; tests/test_django_internals.py fails loudly if their shape changes.
    here = set(connection.savepoint_ids) - {None}  # None: an atomic block without a savepoint
    queued = any(
        getattr(func, "pagecache_using", None) == using and sids - {None} == here
        for sids, func, _ in connection.run_on_commit
    )
    if not queued:

        def after_commit():
            _bump_after_commit(using)

        after_commit.pagecache_using = using
        transaction.on_commit(after_commit, using=using, robust=True)


def on_save(sender, update_fields=None, raw=False, using="default", **kwargs):
    if not raw and _watched(sender, update_fields):
        content_changed(using)


def on_delete(sender, using="default", **kwargs):
    if _watched(sender):
        content_changed(using)


def on_m2m(sender, action, model, using="default", **kwargs):
    if not action.startswith("post_"):
        return
    through = sender._meta.auto_created
    if _watched(model) or (through and _watched(through)):
        content_changed(using)


def on_setting_changed(setting, **kwargs):
    conf.forget()
    if setting == "CACHES" or setting.startswith("PAGECACHE_"):
        from . import middleware

        middleware.reset()
    else:
        # Pages may show any setting: they change in tests only, but then pages must follow.
        generation.bump(keep_due=True)


def connect():
    post_save.connect(on_save, dispatch_uid="pagecache_save")
    post_delete.connect(on_delete, dispatch_uid="pagecache_delete")
    m2m_changed.connect(on_m2m, dispatch_uid="pagecache_m2m")
    setting_changed.connect(on_setting_changed, dispatch_uid="pagecache_settings")
