"""Notifications: render alert e-mails from findings and hand them to a transport."""

from notifications.maildir import MaildirTransport
from notifications.render import render_alert

__all__ = ["MaildirTransport", "render_alert"]
