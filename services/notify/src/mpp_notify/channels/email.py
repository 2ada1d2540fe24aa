"""E-mail over SMTP, with the standard library's client in a small thread pool.

The Message-ID is derived from the delivery id, so a receiving system can recognise the same
message if a crash between "accepted" and "recorded" ever made us send it twice.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from mpp_notify.channels.base import DeliveryResult, OutgoingMessage
from mpp_notify.settings import NotifySettings


class SmtpChannel:
    provider = "smtp"

    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings
        self._pool = ThreadPoolExecutor(
            max_workers=settings.destination_concurrency, thread_name_prefix="smtp"
        )
        sender = parseaddr(settings.smtp_from)[1]
        self._domain = sender.rsplit("@", 1)[-1] if "@" in sender else "mpp.local"

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._send_blocking, message)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._settings.smtp_from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = f"<{message.delivery_id}@{self._domain}>"
        mail["Content-Language"] = "id, en"
        mail.set_content(message.body)
        return mail

    def _send_blocking(self, message: OutgoingMessage) -> DeliveryResult:
        s = self._settings
        assert s.smtp_host is not None
        mail = self.compose(message)
        sender = parseaddr(s.smtp_from)[1]
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.send_timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username and s.smtp_password is not None:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                # Step by step rather than sendmail(), to keep the server's answer to DATA.
                smtp.ehlo_or_helo_if_needed()
                code, reply = smtp.mail(sender)
                if code == 250:
                    code, reply = smtp.rcpt(message.to)
                if code in (250, 251):
                    code, reply = smtp.data(mail.as_bytes())
                if code != 250:
                    smtp.rset()
                    return _refused(code, reply)
                return DeliveryResult.accepted(f"{code} {reply.decode(errors='replace')}")
        except smtplib.SMTPResponseException as exc:
            return _refused(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            return DeliveryResult.refused(f"{type(exc).__name__}: {exc}")


def _refused(code: int, reply: bytes | str) -> DeliveryResult:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    # 5xx is a permanent refusal (RFC 5321 §4.2.1); 4xx may pass later.
    return DeliveryResult.refused(f"{code} {text}", retryable=code < 500)
