"""Notifications: render alert e-mails from findings and hand them to a transport."""

from notifications.alert_mail import render_alert
from notifications.maildir import MaildirTransport
from notifications.smtp import SmtpTransport
from notifications.transport import Transport, open_transport

__all__ = ["MaildirTransport", "SmtpTransport", "Transport", "open_transport", "render_alert"]
