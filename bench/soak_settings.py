"""Production settings for `python -m bench.soak`, with the response limits fitted to a soak.

Every soak reader posts from 127.0.0.1, so the per-network limit (10 per 10 minutes) would stop
the run after ten responses: it is lifted. Each reader still waits out the per-reader flood
interval between two responses (SOAK_FLOOD_SECONDS, 3 s here instead of 15 s), so the check
runs on every post and the soak sends a few hundred responses a minute instead of a few dozen.
"""

import os

from config.settings import *  # noqa: F403

BYLINE_RESPONSES_IP_RATE = (1_000_000, 600)
BYLINE_RESPONSES_FLOOD_SECONDS = int(os.environ.get("SOAK_FLOOD_SECONDS", 3))
BYLINE_RESPONSES_DEFAULT_MODE = "open"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"axes": {"level": "ERROR"}},
}
