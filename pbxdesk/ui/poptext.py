"""The screen pop's words: a caller's history in one line, and times as a person says them.

Qt only for the locale's way of writing dates and times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from PySide6.QtCore import QDate, QLocale, QTime

from pbxdesk.api.models import Direction, Outcome
from pbxdesk.live.caller import CallerSummary, PastCall
from pbxdesk.services.calltrack import format_talk_time


def history_text(summary: CallerSummary | None) -> str:
    """One line on the caller's history ("12 calls · last yesterday 14:02, answered by Ann")."""
    if summary is None:
        return "Reading your history…"
    if not summary.known:
        return "First call from this number"
    count = f"{summary.calls}{'+' if summary.more else ''}"
    calls = f"{count} call{'' if count == '1' else 's'}"
    if summary.last is None:
        return calls
    return f"{calls} · last {past_call_text(summary.last)}"


def past_call_text(call: PastCall) -> str:
    when = when_text(call.started_at) if call.started_at else "at an unknown time"
    if call.direction is Direction.OUTBOUND:
        who = f" by {call.answered_by}" if call.answered_by else ""
        result = "answered" if call.answered else "not answered"
        return f"{when}, called back{who} ({result})"
    if call.answered:
        # "talked 3:56": a bare "3:56" after the time of day read as a second time.
        talk = f", talked {format_talk_time(call.talk_seconds)}" if call.talk_seconds else ""
        who = f" by {call.answered_by}" if call.answered_by else ""
        return f"{when}, answered{who}{talk}"
    return f"{when}, {_OUTCOME_WORDS.get(call.outcome, 'not answered')}"


_OUTCOME_WORDS: Final = {Outcome.MISSED: "missed", Outcome.ABANDONED: "abandoned",
                         Outcome.BUSY: "busy", Outcome.FAILED: "failed"}


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """"14:02" today, "yesterday 14:02", else the locale's short date and time."""
    local = moment.astimezone() if moment.tzinfo else moment.replace(tzinfo=UTC).astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    locale = QLocale()
    clock = locale.toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
    if local.date() == today:
        return clock
    if local.date() == today - timedelta(days=1):
        return f"yesterday {clock}"
    day = locale.toString(QDate(local.year, local.month, local.day),
                          QLocale.FormatType.ShortFormat)
    return f"{day} {clock}"
