"""Background work on Django's Tasks API (django-tasks) with the database queue (django-tasks-db).

A layer: it imports no domain app. It adds what the library leaves to the project: one JSON
log line per task run, recovery of work a killed worker left behind, pruning of old rows, an
admin page with retry and cancel, and `manage.py tasks` (docs/background.md).
"""
