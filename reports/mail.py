"""The digest's mail: a short text and HTML body (the KPI table, the alert count), the PDF attached, sent over the
SMTP server of the settings file."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from dashboard.digest import Digest
from reports import ReportError
from reports.render import mail_bodies
from reports.settings import Settings


def pdf_name(digest: Digest, week_start) -> str:
    return f"crm-weekly-{week_start:%Y-%m-%d}.pdf"


def message(digest: Digest, sender: str, pdf: bytes, filename: str) -> EmailMessage:
    text, html = mail_bodies(digest)
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = sender
    msg["To"] = digest.recipient
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    msg["Content-Language"] = "zh-Hans" if digest.lang == "zh" else "en"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return msg


def send(msg: EmailMessage, settings: Settings) -> None:
    """Hand the message to the SMTP server; any refusal is one ReportError line."""
    password = settings.password()
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_seconds,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, password)
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as error:
        raise ReportError(f"SMTP server {where} refused the recipient {', '.join(error.recipients)}") from None
    except smtplib.SMTPResponseException as error:
        reason = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        raise ReportError(f"SMTP server {where} refused the message: {error.smtp_code} {reason}") from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
        raise ReportError(f"SMTP server {where} could not be reached or refused: {error or type(error).__name__}") \
            from None
