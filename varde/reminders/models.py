from __future__ import annotations

from django.conf import settings
from django.db import models


class Reminder(models.Model):
    """One reminder to one person, shown in the app and sent once by e-mail.

    ``key`` names what the reminder is about and when it fell due, so collecting
    reminders again never makes a second one. The e-mail carries no personal data
    about pupils: only a link to log in and see the step.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    key = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    url = models.CharField(max_length=200)
    due_on = models.DateField()
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="reminder_once_per_user_and_key")
        ]
        indexes = [models.Index(fields=["sent_at", "claimed_at"])]

    def __str__(self) -> str:
        return self.subject


class OutboxMessage(models.Model):
    """A reminder's e-mail, written in the same transaction that marks the reminder sent.

    A reminder therefore has exactly one message, made once. The message carries a
    Message-ID derived from the reminder, so every delivery attempt of it is recognisably
    the same e-mail. See varde.reminders.services.outbox_deliver for what is guaranteed.
    """

    reminder = models.OneToOneField(Reminder, on_delete=models.CASCADE, related_name="outbox")
    message_id = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=250)
    body = models.TextField()
    created_at = models.DateTimeField()
    # Claimed by a sender (a conditional UPDATE); a claim older than the timeout is taken over.
    attempted_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["delivered_at", "attempted_at"])]

    def __str__(self) -> str:
        return self.message_id
