"""Operational scripts: backup.py and restore.py (see docs/deploying.md)."""
