"""List failed mails, send them again: `manage.py mail list|retry`."""

from django.core.management.base import BaseCommand, CommandError

from outbox.models import OutboundMail
from outbox.services import mail_retry


class Command(BaseCommand):
    help = "List outgoing mails (failed ones by default) or send failed ones again."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="list mails")
        listing.add_argument("--state", choices=OutboundMail.State.values, default="failed")
        listing.add_argument("--limit", type=int, default=50)
        retry = sub.add_parser("retry", help="send failed (or rejected) mails again")
        retry.add_argument("ids", nargs="*", type=int)
        retry.add_argument("--all", action="store_true", help="every failed or rejected mail")

    def handle(self, *args, action, **options):
        if action == "list":
            mails = OutboundMail.objects.filter(state=options["state"])[: options["limit"]]
            for mail in mails:
                to = ",".join(mail.to)
                self.stdout.write(f"{mail.pk}  {mail.key}  {to}  {mail.last_error or '-'}")
            self.stdout.write(f"{len(mails)} {options['state']} mail(s)")
            return
        if not options["ids"] and not options["all"]:
            raise CommandError("Name mail ids, or pass --all to retry every failed mail.")
        mails = OutboundMail.objects.all()
        if not options["all"]:
            mails = mails.filter(pk__in=options["ids"])
        self.stdout.write(f"{mail_retry(mails)} mail(s) queued again")
