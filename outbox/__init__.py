"""Outgoing mail through the background queue: stored first, sent by a worker, never twice.

A layer: it imports no domain app. Call `outbox.services.mail_enqueue` (or
`mail_enqueue_rendered`) inside the transaction of the change that causes the mail.
"""
