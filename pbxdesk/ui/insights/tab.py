"""The Insights tab: the scope bar, a summary line and four sections of charts.

:class:`InsightsTab` asks its :class:`~pbxdesk.services.insights.InsightsService`
for figures whenever the range or scope changes or the store has new calls
(debounced), and shows each section as it arrives. The charts (Qt Charts) are
built the first time the tab is shown, so starting the app does not load them.
A click on a bar, cell or row leaves as ``sig_calls_requested`` for the main
window, which opens the matching calls in a history tab.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QLocale, QTimer, Signal, Slot
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from pbxdesk.api.models import CallKind
from pbxdesk.services.insights import InsightsService, Section, SectionResult
from pbxdesk.store import CallStore, StoreError
from pbxdesk.store.insights import DEFAULT_SERVICE_LEVEL_S, InsightsQuery, Scope
from pbxdesk.ui.dialogs import DialogService
from pbxdesk.ui.history.dates import local_today
from pbxdesk.ui.history.filterbar import user_entries
from pbxdesk.ui.insights import definitions as words
from pbxdesk.ui.insights.figures import count_of
from pbxdesk.ui.insights.scopebar import ScopeBar
from pbxdesk.ui.insights.table import qdate

if TYPE_CHECKING:
    from pbxdesk.ui.insights.section import InsightsSection

log = logging.getLogger("pbxdesk.ui")

REQUEST_DELAY_MS: Final = 150
"""Choices made in a quick row (ticking three users) ask once."""
TWO_COLUMNS_FROM: Final = 1400
"""From this width the sections sit two by two."""
STEP_WAIT_MS: Final = 8
"""Between two steps of filling (a table, a chart): room for the last one's layout and paint."""
SECTION_TITLES: Final = {
    Section.DAYS: ("Calls per day", words.tip(words.ANSWERED, words.MISSED, words.ABANDONED,
                                              words.OTHER, words.MISSED_RATE,
                                              words.LOCAL_TIME)),
    Section.HOURS: ("Calls by weekday and hour", words.tip(words.LOCAL_TIME, words.LIVE)),
    Section.GROUPS: ("Per queue and ring group", words.tip(
        words.SCOPE, words.ABANDON_RATE, words.WAIT, words.PERCENTILES, words.SERVICE_LEVEL)),
    Section.AGENTS: ("Per agent", words.tip(words.SCOPE, words.ANSWERED, words.MISSED,
                                           words.TALK, words.PERCENTILES)),
}
FILE_STEMS: Final = {Section.DAYS: "calls-per-day", Section.HOURS: "calls-by-hour",
                     Section.GROUPS: "queues", Section.AGENTS: "agents"}


class InsightsTab(QWidget):
    """Charts of the stored calls over a range and scope.

    Signals:
        sig_calls_requested(object): a :class:`~pbxdesk.ui.insights.figures.CallsTarget`
            to open in the history.
        sig_status_message(str): a short status-bar message (hover numbers, exports).

    Attributes:
        service: the :class:`InsightsService`; scope_bar: the :class:`ScopeBar`;
        sections: each :class:`InsightsSection` once built (after the first show).
    """

    sig_calls_requested = Signal(object)
    """Open these calls in a history tab."""
    sig_status_message = Signal(str)
    """A short message for the status bar."""

    def __init__(self, service: InsightsService, store: CallStore, *,
                 my_extension: str = "", service_level_s: int = DEFAULT_SERVICE_LEVEL_S,
                 zone: tzinfo | None = None, dialogs: DialogService | None = None,
                 today: Callable[[], date] = local_today,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Insights")
        self.service = service
        service.paced = True  # see InsightsService: no computing while a section fills
        self.store = store
        self.zone = zone
        self.service_level_s = service_level_s
        self._dialogs = dialogs if dialogs is not None else DialogService()
        self.sections: dict[Section, InsightsSection] = {}
        self._pending: set[Section] = set()
        self._arrived: deque[SectionResult] = deque()
        self._charts_due: deque[tuple[Section, Callable[[], None]]] = deque()
        self._next_timer = QTimer(self)
        self._next_timer.setSingleShot(True)
        self._next_timer.setInterval(0)
        self._query: InsightsQuery | None = None
        self._stale = True
        self.scope_bar = ScopeBar(today, self)
        self.scope_bar.my_extension = my_extension
        if not my_extension:
            self.scope_bar.set_scope(Scope.USERS)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setToolTip(words.tip(words.LOCAL_TIME, words.LIVE))
        self._content = QWidget()
        self._grid = QGridLayout(self._content)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(16)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setWidget(self._content)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REQUEST_DELAY_MS)
        self._columns = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.scope_bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.scroll_area, 1)
        self._refresh_targets()
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.scope_bar.sig_changed.connect(self._on_scope_bar_changed)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._next_timer.timeout.connect(self._show_next)
        self.service.sig_section_computed.connect(self._on_service_section_computed)
        self.service.sig_computed.connect(self._on_service_computed)
        self.service.sig_failed.connect(self._on_service_failed)

    # -- building the charts on first show ------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self.sections:
            self._build_sections()
        if self._stale:
            self.schedule()

    def _build_sections(self) -> None:
        # Imported here: Qt Charts takes ~20 ms to load, which the app's start need not pay.
        from pbxdesk.ui.insights.charts import DaysChart, HeatChart, RankChart
        from pbxdesk.ui.insights.figures import present
        from pbxdesk.ui.insights.section import InsightsSection

        self.service.present = present  # the views' texts on the worker, beside the figures

        charts = {Section.DAYS: DaysChart, Section.HOURS: HeatChart,
                  Section.GROUPS: RankChart, Section.AGENTS: RankChart}
        for section, (title, tip) in SECTION_TITLES.items():
            chart = charts[section](f"{title}, chart")
            made = InsightsSection(section.value, title, tip, chart, FILE_STEMS[section],
                                   self._dialogs, self._content)
            made.sig_calls_requested.connect(self.sig_calls_requested)
            made.sig_status_message.connect(self.sig_status_message)
            self.sections[section] = made
        self._reflow(force=True)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self, *, force: bool = False) -> None:
        columns = 2 if self.width() >= TWO_COLUMNS_FROM else 1
        if not self.sections or (columns == self._columns and not force):
            return
        self._columns = columns
        for column in range(2):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        for index, section in enumerate(self.sections.values()):
            self._grid.removeWidget(section)
            self._grid.addWidget(section, index // columns, index % columns)

    # -- the interface the main window uses ----------------------------------------------

    @property
    def busy(self) -> bool:
        """True while figures are due or computing (the screenshot waits for them)."""
        return self._timer.isActive() or bool(self._pending) or (
            self.isVisible() and self._stale)

    @Slot()
    def reload(self) -> None:
        """The store changed: recompute when shown (now, if the tab is showing)."""
        self._refresh_targets()
        self.scope_bar.refresh_today()
        self._stale = True
        if self.isVisible():
            self.schedule()

    def schedule(self) -> None:
        self._timer.start()

    def set_my_extension(self, extension: str) -> None:
        self.scope_bar.my_extension = extension
        if self.scope_bar.current_scope() is Scope.ME:
            self.reload()

    def set_service_level(self, seconds: int) -> None:
        if seconds != self.service_level_s:
            self.service_level_s = seconds
            self.reload()

    def current_query(self) -> InsightsQuery:
        return self.scope_bar.build_query(zone=self.zone, service_level_s=self.service_level_s)

    def shutdown(self) -> None:
        """Stop computing and release the worker (before the store closes)."""
        self._timer.stop()
        self.service.shutdown()

    # -- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_scope_bar_changed(self) -> None:
        self._stale = True
        self.schedule()

    @Slot()
    def _on_timer_timeout(self) -> None:
        if not self.sections:
            return
        self._stale = False
        self._query = self.current_query()
        self._pending = set(Section)
        self._arrived.clear()  # an older request's sections, not yet shown
        self.summary.setText(f"Counting {self._range_text()} for "
                             f"{self.scope_bar.describe_scope()}…")
        self.service.request(self._query)

    @Slot(object)
    def _on_service_section_computed(self, result: SectionResult) -> None:
        # One step a turn of the event loop: a section's table, then its chart. Sections
        # computed close together (a short range) would otherwise fill four tables and
        # charts in one stall.
        self._arrived.append(result)
        if not self._next_timer.isActive():
            self._next_timer.start(0)

    @Slot()
    def _show_next(self) -> None:
        if self._charts_due:
            section, show_chart = self._charts_due.popleft()
            show_chart()
            if not any(due == section for due, _ in self._charts_due):
                self._pending.discard(section)
        elif self._arrived:
            self._show_section(self._arrived.popleft())
        else:
            # The last step's layout and paint are done: the worker computes the next
            # section. Resumed earlier, its Python would share the GIL with that paint (the
            # table model's data(), every virtual of a widget made in Python), and a paint
            # made to wait for the GIL stalls the loop.
            self.service.resume()
            return
        # A wait after each step: its paint (and a chart's layout) in turns of their own,
        # not added to the next step's.
        self._next_timer.start(STEP_WAIT_MS)

    def _show_section(self, result: SectionResult) -> None:
        from pbxdesk.ui.insights import figures

        section = self.sections.get(result.section)
        if section is None:
            return
        view = result.view if isinstance(result.view, figures.SectionView) else (
            figures.present(result.section, result.figures, result.query))
        section.show_table(view)
        self._charts_due.append((result.section, lambda: section.show_chart(view)))
        if result.section is Section.DAYS:
            self._show_summary(result)

    @Slot(int)
    def _on_service_computed(self, _number: int) -> None:
        self._pending = ({result.section for result in self._arrived}
                         | {section for section, _ in self._charts_due})

    @Slot(str)
    def _on_service_failed(self, text: str) -> None:
        self.service.resume()
        self._arrived.clear()
        self._pending.clear()
        self.summary.setText(f"Could not count the calls: {text}")

    # -- helpers -------------------------------------------------------------------------

    def _show_summary(self, result: SectionResult) -> None:
        total = result.figures.total
        text = (f"{count_of(total.calls, 'call')} {self._range_text()}, "
                f"{self.scope_bar.describe_scope()}.")
        if total.live:
            text += (f" Includes {count_of(total.live, 'live call')} not yet "
                     "confirmed by a sync.")
        text += " Hover a bar or cell for its numbers; click it to open those calls."
        self.summary.setText(text)

    def _range_text(self) -> str:
        days = self.scope_bar.day_range()
        locale = QLocale()
        fmt = QLocale.FormatType.ShortFormat
        first, last = (locale.toString(qdate(day), fmt) for day in (days.first, days.last))
        return f"on {first}" if days.first == days.last else f"from {first} to {last}"

    def _refresh_targets(self) -> None:
        try:
            users = [(user.number, user.name) for user in self.store.users()]
            self.scope_bar.set_entries(Scope.USERS, user_entries(users))
            for scope, kind in ((Scope.QUEUES, CallKind.QUEUE),
                                (Scope.RING_GROUPS, CallKind.RING_GROUP)):
                self.scope_bar.set_entries(
                    scope, [(group.name, group.name) for group in self.store.groups(kind)])
        except StoreError as error:
            log.warning("Could not read the users and groups: %s", error)
