"""Figures as each section shows them: a table, the chart's data, hover texts, targets.

One function per section turns the store's figures into a :class:`SectionView`,
so the chart, its tooltips, the table under it and the CSV all read the same
numbers. A target says which calls a click opens in the history
(:class:`CallsTarget`). No widgets here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QLocale

from pbxdesk.api.models import CallKind
from pbxdesk.services.insights import Section
from pbxdesk.store.daygroups import (
    MONTHS_AFTER_DAYS,
    WEEKS_AFTER_DAYS,
    Grain,
    GroupedDays,
    PeriodCounts,
)
from pbxdesk.store.insights import (
    AgentFigures,
    Category,
    Counts,
    GroupFigures,
    HeatMap,
    InsightsQuery,
    Scope,
    hour_periods,
    local_days,
)
from pbxdesk.ui.history.filterbar import USER_NAME, USER_NUMBER
from pbxdesk.ui.insights import definitions as words
from pbxdesk.ui.insights.charts import WEEKDAYS, BarSet
from pbxdesk.ui.insights.table import (
    Column,
    FigureTable,
    Kind,
    Value,
    display_text,
    duration_text,
    qdate,
    with_shown_text,
)

MAX_BARS = 12
"""Bars in the per-queue and per-agent charts; their tables list every row."""
WEEKDAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
                 "Sundays")


@dataclass(frozen=True, slots=True)
class CallsTarget:
    """The calls behind a bar or cell, as a history filter: days, users or groups, hours."""

    kind: CallKind
    first: date
    last: date
    keys: frozenset[Hashable] = frozenset()
    periods: tuple[tuple[datetime, datetime], ...] = ()
    periods_label: str = ""


@dataclass(frozen=True, slots=True)
class SectionView:
    table: FigureTable
    labels: tuple[str, ...] = ()
    parts: tuple[BarSet, ...] = ()
    rates: tuple[float | None, ...] = ()
    cells: tuple[int, ...] = ()
    texts: tuple[str, ...] = ()
    targets: tuple[CallsTarget, ...] = ()
    note: str = ""
    live: int = 0
    title: str = ""
    """The section's title when it depends on the figures ("Calls per week")."""


def _count(number: int) -> str:
    return QLocale().toString(number)


def count_of(number: int, noun: str, plural: str | None = None) -> str:
    """"1 call", "2 calls", "1,000 calls" (the number in the locale's digits)."""
    return f"{_count(number)} {noun if number == 1 else plural or noun + 's'}"


def _rate(value: float | None) -> str:
    return display_text(value, Kind.RATE, QLocale())


def _counts_text(counts: Counts, *, with_live: bool = True) -> str:
    parts = [count_of(counts.calls, "call"), f"{_count(counts.answered)} answered",
             f"{_count(counts.missed)} missed"]
    if counts.abandoned:
        parts.append(f"{_count(counts.abandoned)} abandoned")
    if counts.other:
        parts.append(f"{_count(counts.other)} other")
    text = ", ".join(parts)
    if counts.missed_rate is not None:
        text += f"; missed rate {_rate(counts.missed_rate)}"
    if counts.live and with_live:
        text += f" ({_count(counts.live)} live, not yet synced)"
    return text


def scope_keys(query: InsightsQuery) -> frozenset[Hashable]:
    """The history drop-down's ticks for the query's users or groups."""
    if query.scope in {Scope.QUEUES, Scope.RING_GROUPS}:
        return frozenset(query.group_names)
    return frozenset({(USER_NUMBER, n) for n in query.user_numbers}
                     | {(USER_NAME, n) for n in query.user_names})


def _range_days(query: InsightsQuery) -> tuple[date, date]:
    days = local_days(query.start_us, query.end_us, query.zone)
    if not days:
        today = datetime.now().date()
        return today, today
    return days[0], days[-1]


def _live_column(live: int) -> tuple[Column, ...]:
    return (Column("Live", Kind.COUNT, words.LIVE, "live_not_yet_synced"),) if live else ()


def _present_parts(counts: Sequence[Counts]) -> tuple[BarSet, ...]:
    """The outcome bars, leaving out abandoned / other when no call has them."""
    parts = []
    for category in Category:
        values = [item.of(category) for item in counts]
        if category in {Category.ANSWERED, Category.MISSED} or any(values):
            parts.append(BarSet(category, values))
    return tuple(parts)


_GRAIN_COLUMNS = {Grain.DAY: ("Day", Kind.DATE, "day"),
                  Grain.WEEK: ("Week of", Kind.DATE, "week_of"),
                  Grain.MONTH: ("Month", Kind.MONTH, "month")}
_GRAIN_NOTES = {
    Grain.WEEK: (f"By week (Monday to Sunday): the range is longer than {WEEKS_AFTER_DAYS} "
                 "days. A partial first or last week counts only its days in the range."),
    Grain.MONTH: (f"By month: the range is longer than {MONTHS_AFTER_DAYS} days. A partial "
                  "first or last month counts only its days in the range."),
}


def days_view(grouped: GroupedDays, query: InsightsQuery) -> SectionView:
    """Calls per day, or per week or month over a long range (see :mod:`daygroups`)."""
    locale = QLocale()
    live = grouped.total.live
    grain = grouped.grain
    title, first_kind, csv_name = _GRAIN_COLUMNS[grain]
    columns = (Column(title, first_kind, words.LOCAL_TIME, csv_name),
               Column("Calls", Kind.COUNT, "", "calls"),
               Column("Answered", Kind.COUNT, words.ANSWERED, "answered"),
               Column("Missed", Kind.COUNT, words.MISSED, "missed"),
               Column("Abandoned", Kind.COUNT, words.ABANDONED, "abandoned"),
               Column("Other", Kind.COUNT, words.OTHER, "other"),
               Column("Missed rate", Kind.RATE, words.MISSED_RATE, "missed_rate"),
               *_live_column(live))
    periods = grouped.periods
    rows = tuple((item.start, item.counts.calls, item.counts.answered, item.counts.missed,
                  item.counts.abandoned, item.counts.other, item.counts.missed_rate,
                  *((item.counts.live,) if live else ())) for item in periods)
    kind = query.scope.kind
    keys = scope_keys(query)
    label_format = "MMM yyyy" if grain is Grain.MONTH else "d MMM"
    labels = tuple(locale.toString(qdate(item.start), label_format) for item in periods)
    texts = tuple(f"{_period_text(item, grain, locale)}: {_counts_text(item.counts)}"
                  for item in periods)
    targets = tuple(CallsTarget(kind, item.first, item.last, keys) for item in periods)
    counts = [item.counts for item in periods]
    note = _total_note(grouped.total)
    if grain in _GRAIN_NOTES and grouped.total.calls:
        note = f"{_GRAIN_NOTES[grain]} {note}"
    return SectionView(FigureTable(columns, rows), labels=labels,
                       parts=_present_parts(counts),
                       rates=tuple(c.missed_rate for c in counts), texts=texts,
                       targets=targets, note=note, live=live,
                       title=f"Calls per {grain.value}")


def _period_text(item: PeriodCounts, grain: Grain, locale: QLocale) -> str:
    """"Thursday, 2 May 2024", "Week of Monday, 3 March 2025", "March 2025", with the
    days in the range when a week or month is cut by its edge."""
    long = QLocale.FormatType.LongFormat
    if grain is Grain.DAY:
        return locale.toString(qdate(item.start), long)
    if grain is Grain.WEEK:
        text, full_last = (f"Week of {locale.toString(qdate(item.start), long)}",
                           item.start + timedelta(days=6))
    else:
        text = locale.toString(qdate(item.start), "MMMM yyyy")
        following = (item.start + timedelta(days=32)).replace(day=1)
        full_last = following - timedelta(days=1)
    if item.first != item.start or item.last != full_last:
        short = QLocale.FormatType.ShortFormat
        text += (f" (only {locale.toString(qdate(item.first), short)} to "
                 f"{locale.toString(qdate(item.last), short)} in the range)")
    return text


def _total_note(total: Counts) -> str:
    if total.calls == 0:
        return "No calls in this range."
    # The live calls among them are named once, by the section (see SectionView.live).
    return f"In all: {_counts_text(total, with_live=False)}."


def hours_view(heat: HeatMap, query: InsightsQuery) -> SectionView:
    columns = (Column("Weekday", Kind.TEXT, words.LOCAL_TIME, "weekday"),
               *(Column(f"{hour}:00", Kind.COUNT, "", f"h{hour:02d}") for hour in range(24)),
               Column("Total", Kind.COUNT, "", "total"))
    rows: list[tuple[Value, ...]] = []
    for weekday in range(7):
        values = [heat.cell(weekday, hour).counts.calls for hour in range(24)]
        rows.append((WEEKDAYS[weekday], *values, sum(values)))
    first, last = _range_days(query)
    kind, keys = query.scope.kind, scope_keys(query)
    texts, targets = [], []
    for index, cell in enumerate(heat.cells):
        when = f"{WEEKDAY_NAMES[cell.weekday]} {cell.hour}:00–{cell.hour + 1}:00"
        texts.append(f"{when}: {_counts_text(cell.counts)}")
        # Worked out beside the counts (a year is 8,760 hours: too many for this thread).
        periods = heat.periods[index] if heat.periods else tuple(hour_periods(
            query.start_us, query.end_us, query.zone, cell.weekday, cell.hour))
        targets.append(CallsTarget(kind, first, last, keys, periods, when))
    live = sum(cell.counts.live for cell in heat.cells)
    note = (f"Darker: more calls. Busiest hour: {count_of(heat.peak, 'call')}."
            if heat.peak else "No calls in this range.")
    return SectionView(FigureTable(columns, tuple(rows)),
                       cells=tuple(cell.counts.calls for cell in heat.cells),
                       texts=tuple(texts), targets=tuple(targets), note=note, live=live)


def groups_view(groups: Sequence[GroupFigures], query: InsightsQuery) -> SectionView:
    live = sum(group.live for group in groups)
    level = query.service_level_s
    columns = (Column("Queue or ring group", Kind.TEXT, "", "name"),
               Column("Kind", Kind.TEXT, "", "kind"),
               Column("Calls", Kind.COUNT, "", "calls"),
               Column("Answered", Kind.COUNT, words.ANSWERED, "answered"),
               Column("Abandoned", Kind.COUNT, words.ABANDONED, "abandoned"),
               Column("Missed", Kind.COUNT, words.MISSED, "missed"),
               Column("Abandon rate", Kind.RATE, words.ABANDON_RATE, "abandon_rate"),
               Column("Wait, median", Kind.SECONDS, words.tip(words.WAIT, words.PERCENTILES),
                      "wait_median_s"),
               Column("Wait, 90th pct", Kind.SECONDS, words.tip(words.WAIT, words.PERCENTILES),
                      "wait_p90_s"),
               Column(f"Answered in {level} s", Kind.RATE, words.SERVICE_LEVEL,
                      f"service_level_{level}s"),
               *_live_column(live))
    rows = tuple((group.name, "Queue" if group.kind is CallKind.QUEUE else "Ring group",
                  group.calls, group.answered, group.abandoned, group.missed,
                  group.abandon_rate, group.wait_median, group.wait_p90, group.service_level,
                  *((group.live,) if live else ())) for group in groups)
    first, last = _range_days(query)
    texts = tuple(
        f"{group.name}: {count_of(group.calls, 'call')}, {_count(group.answered)} answered, "
        f"{_count(group.abandoned)} abandoned ({_rate(group.abandon_rate)}); wait median "
        f"{duration_text(group.wait_median) or '–'}, 90th percentile "
        f"{duration_text(group.wait_p90) or '–'}; answered within {level} s: "
        f"{_rate(group.service_level)}" for group in groups)
    targets = tuple(CallsTarget(group.kind, first, last,
                                frozenset({group.name}) if group.name != "(no name)"
                                else frozenset()) for group in groups)
    shown = groups[:MAX_BARS]
    parts = (BarSet(Category.ANSWERED, [g.answered for g in shown]),
             BarSet(Category.MISSED, [g.missed for g in shown]),
             BarSet(Category.ABANDONED, [g.abandoned for g in shown]),
             BarSet(Category.OTHER, [g.calls - g.answered - g.missed - g.abandoned
                                     for g in shown]))
    return SectionView(FigureTable(columns, rows), labels=tuple(g.name for g in shown),
                       parts=tuple(p for p in parts if p.category is not Category.OTHER
                                   or any(p.values)),
                       texts=texts, targets=targets, live=live,
                       note=_rank_note(len(groups), "queues and ring groups",
                                       "No queue or ring-group calls in this range."))


def _rank_note(count: int, noun: str, empty: str) -> str:
    if count == 0:
        return empty
    if count > MAX_BARS:
        return f"The chart shows the {MAX_BARS} busiest of {count} {noun}; the table lists all."
    return ""


def agents_view(agents: Sequence[AgentFigures], query: InsightsQuery) -> SectionView:
    live = sum(agent.live for agent in agents)
    columns = (Column("Agent", Kind.TEXT, "", "agent"),
               Column("Extension", Kind.TEXT, "", "extension"),
               Column("Calls", Kind.COUNT, "", "calls"),
               Column("In", Kind.COUNT, "Inbound calls", "inbound"),
               Column("Out", Kind.COUNT, "Outbound calls", "outbound"),
               Column("Answered", Kind.COUNT, words.ANSWERED, "answered"),
               Column("Missed", Kind.COUNT, words.MISSED, "missed"),
               Column("Talk time", Kind.SECONDS, words.TALK, "talk_total_s"),
               Column("Talk, median", Kind.SECONDS, words.tip(words.TALK, words.PERCENTILES),
                      "talk_median_s"),
               *_live_column(live))
    rows = tuple((agent.name, agent.number, agent.calls, agent.inbound, agent.outbound,
                  agent.answered, agent.missed, agent.talk_total, agent.talk_median,
                  *((agent.live,) if live else ())) for agent in agents)
    first, last = _range_days(query)
    texts = tuple(
        f"{agent.label}: {count_of(agent.calls, 'call')} ({_count(agent.inbound)} in, "
        f"{_count(agent.outbound)} out), {_count(agent.answered)} answered, "
        f"{_count(agent.missed)} missed; talk time {duration_text(agent.talk_total)}, "
        f"median {duration_text(agent.talk_median) or '–'}" for agent in agents)
    targets = tuple(CallsTarget(CallKind.USER, first, last, _agent_key(agent))
                    for agent in agents)
    shown = agents[:MAX_BARS]
    parts = (BarSet(Category.ANSWERED, [a.answered for a in shown]),
             BarSet(Category.MISSED, [a.missed for a in shown]),
             BarSet(Category.OTHER, [a.calls - a.answered - a.missed for a in shown]))
    return SectionView(FigureTable(columns, rows), labels=tuple(a.label for a in shown),
                       parts=parts, texts=texts, targets=targets, live=live,
                       note=_rank_note(len(agents), "agents", "No user calls in this range."))


def _agent_key(agent: AgentFigures) -> frozenset[Hashable]:
    if agent.number:
        return frozenset({(USER_NUMBER, agent.number)})
    if agent.name:
        return frozenset({(USER_NAME, agent.name)})
    return frozenset()


VIEWS: dict[Section, Callable[[Any, InsightsQuery], SectionView]] = {
    Section.DAYS: days_view, Section.HOURS: hours_view, Section.GROUPS: groups_view,
    Section.AGENTS: agents_view}


def present(section: Section, figures: Any, query: InsightsQuery) -> SectionView:
    """A section's view with its table's texts, ready to show: what the service's worker
    works out beside the figures (no widgets are touched)."""
    view = VIEWS[section](figures, query)
    return replace(view, table=with_shown_text(view.table))
