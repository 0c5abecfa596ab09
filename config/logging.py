"""One JSON object per log line, so request logs can be searched and aggregated."""

import datetime
import json
import logging


class JsonFormatter(logging.Formatter):
    FIELDS = ("method", "path", "status", "duration_ms", "user_id", "remote_addr")
    FIELDS += ("task", "task_id", "attempt", "outcome")  # byline.tasks: one line per task run

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
