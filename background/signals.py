from django.dispatch import Signal

# Sent by the maintenance task (every BYLINE_TASKS_MAINTENANCE_SECONDS, and when a worker
# starts): layers that keep their own rows (the outbox) recover lost work and prune here.
maintenance = Signal()
