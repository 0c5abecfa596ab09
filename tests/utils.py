import html as html_lib
import re


def page_text(response):
    """The text a reader sees in a response's HTML body, white space folded."""
    markup = response.content.decode()
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    markup = re.sub(r"<head>.*?</head>", " ", markup, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)).split()).replace(" ·", " ·")


# -- Background work: a real SMTP server on loopback, and db_worker processes ----------------


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 that counts the Message-IDs it accepts.

    `stop()` and `start()` again keep the port (a mail server going down and coming back).
    `hold_at(n)` makes the server stall in RCPT of the (n+1)th mail, before any of its data
    arrives, until `release()`: a test kills the sending worker while it waits there.
    Recipients starting with "bounce" are refused with 550, "busy" with 451.
    """

    def __init__(self, port=None):
        import threading

        self.port = port or free_port()
        self.message_ids = []
        self.messages = []
        self.controller = None
        self._hold_at = None
        self.holding = threading.Event()
        self._release = threading.Event()

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy"):
            return "451 4.3.0 Try again later"
        if self._hold_at is not None and len(self.message_ids) >= self._hold_at:
            self._hold_at = None
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self._release.wait, 30)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email

        message = email.message_from_bytes(envelope.content)
        self.messages.append(message)
        self.message_ids.append(message["Message-ID"])
        return "250 Message accepted for delivery"

    def hold_at(self, count):
        self._hold_at = count

    def release(self):
        self._release.set()

    def start(self):
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_env(*, database_url, email_url, **extra):
    """The environment of a `manage.py db_worker` process on the test database."""
    import os

    drop = ("DJANGO_", "BYLINE_", "EMAIL_", "SENTRY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DJANGO_READ_DOT_ENV="0",
        DATABASE_URL=database_url,
        BYLINE_TASKS_BACKEND="database",
        BYLINE_TEST_EMAIL_URL=email_url,
        DJANGO_LOG_FORMAT="json",
        **{key: str(value) for key, value in extra.items()},
    )
    return env


def start_worker(env, log_path, *args):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process by the caller's GC
    return subprocess.Popen(
        [*command, "--interval", "0.1", *args], cwd=root, env=env, stdout=log, stderr=log
    )


def run_worker():
    """One `db_worker --batch` pass in this process: every task that is due, then return.

    The worker closes "old" connections between tasks; inside a test's transaction that would
    close the test's own connection (PostgreSQL), so that step is left out here.
    """
    from unittest import mock

    from django.core.management import call_command

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)


def established_reader(**kwargs):
    """A confirmed reader of long standing with a published response: their report counts 1."""
    import datetime

    from django.utils import timezone

    from tests.comments.factories import CommentFactory
    from tests.factories import ArticleFactory, UserFactory

    kwargs.setdefault("date_joined", timezone.now() - datetime.timedelta(days=60))
    user = UserFactory(**kwargs)
    CommentFactory(article=ArticleFactory(), author=user)
    return user
