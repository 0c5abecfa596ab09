import logging

from django.core.mail.backends.smtp import EmailBackend

logger = logging.getLogger("byline.mail")


class ResilientSMTPBackend(EmailBackend):
    """SMTP with a short timeout; a failure is logged and never fails the request that sent it."""

    def send_messages(self, email_messages):
        try:
            return super().send_messages(email_messages)
        except Exception:
            recipients = sorted({address for m in email_messages for address in m.recipients()})
            logger.exception("Could not send %d email(s) to %s", len(email_messages), recipients)
            return 0
