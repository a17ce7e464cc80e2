"""What Insights' words mean: one sentence each, shown as tooltips.

``docs/insights.md`` holds the same sentences (a test keeps the two equal), so
an agent hovering a title and a team lead reading the docs read the same thing.
"""

from __future__ import annotations

from typing import Final

ANSWERED: Final = ("Answered: the PBX reports the call as answered (a user call whose type "
                   "ends in \"answered\", a queue or ring-group call with status "
                   "\"answered\").")
MISSED: Final = ("Missed: a call to us that nobody answered and the caller did not abandon "
                 "(no answer, busy or failed), inbound or internal; an outbound call "
                 "nobody answered is not missed.")
ABANDONED: Final = ("Abandoned: the caller hung up while waiting in a queue or ring group "
                    "(status \"abandoned\").")
OTHER: Final = ("Other: outbound calls nobody answered, and calls whose outcome the PBX "
                "did not say.")
MISSED_RATE: Final = ("Missed rate: missed calls divided by incoming calls (every call that "
                      "is not outbound).")
WAIT: Final = ("Wait: from call_start_at to connected_at of an answered call. An answered "
               "call without connected_at, or with a wait below zero or over a day, has no "
               "wait and is left out of the wait figures.")
PERCENTILES: Final = ("Median and 90th percentile: the value half (or 90 %) of the calls "
                      "stay at or under, interpolated between the two nearest calls as "
                      "Excel's PERCENTILE.INC does.")
SERVICE_LEVEL: Final = ("Service level: calls answered within the service-level time (a "
                        "wait of at most N seconds, set in Settings) divided by all calls of "
                        "the queue or ring group.")
ABANDON_RATE: Final = ("Abandon rate: abandoned calls divided by all calls of the queue or "
                       "ring group.")
TALK: Final = ("Talk time: conversation_duration of answered calls; a talk time the PBX did "
               "not send, or over a week, is left out.")
LOCAL_TIME: Final = ("Days and hours are your computer's local time, with daylight-saving "
                     "changes: a call counts on the day and in the hour its clock showed.")
LIVE: Final = ("Live calls: calls seen as they happened and not yet confirmed by a sync. "
               "They are counted like the others, and the figures say how many there are.")
SCOPE: Final = ("Per queue and ring group counts queue and ring-group calls (the chosen ones "
                "when the scope is queues or ring groups, else all of them); per agent "
                "counts users' own calls (the chosen users when the scope is users or me, "
                "else all users).")

ALL: Final = (ANSWERED, MISSED, ABANDONED, OTHER, MISSED_RATE, WAIT, PERCENTILES,
              SERVICE_LEVEL, ABANDON_RATE, TALK, LOCAL_TIME, LIVE, SCOPE)
"""Every definition, in the order docs/insights.md lists them."""


def tip(*parts: str) -> str:
    """Definitions joined as one tooltip, a paragraph each."""
    return "\n\n".join(parts)
