"""The screen pop's line on a caller's history reads unambiguously."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pbxdesk.api.models import Direction, Outcome
from pbxdesk.live.caller import PastCall
from pbxdesk.ui.poptext import past_call_text


def test_the_talk_time_is_not_read_as_a_second_clock_time() -> None:
    # "last 11/26/26 4:03 AM, answered by Ethan Harris, 3:56": was 3:56 a time of day?
    started = datetime.now(UTC) - timedelta(days=10)
    call = PastCall(started, Direction.INBOUND, True, Outcome.ANSWERED, "Ethan Harris", 236)
    text = past_call_text(call)
    assert text.endswith(", answered by Ethan Harris, talked 3:56"), text
    unanswered = PastCall(started, Direction.INBOUND, False, Outcome.MISSED, None, None)
    assert past_call_text(unanswered).endswith(", missed")
