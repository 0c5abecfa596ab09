"""Production settings for `make bench`, with the page cache switched by BENCH_PAGECACHE."""

import os

from config.settings import *  # noqa: F403

PAGECACHE_ENABLED = os.environ.get("BENCH_PAGECACHE", "1") == "1"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
