from django.apps import AppConfig


class PagecacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from . import fragments, invalidation

        invalidation.connect()
        request_started.connect(fragments.pin, dispatch_uid="pagecache_fragments_pin")
        request_finished.connect(fragments.unpin, dispatch_uid="pagecache_fragments_unpin")
