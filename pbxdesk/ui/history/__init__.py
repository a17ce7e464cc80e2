"""The call-history tab (issue #3): one :class:`HistoryTab` per history kind.

Modules: ``tab`` (the composition), ``model`` (the windowed table model over
the store), ``view`` (the table widget), ``filterbar`` / ``checklist`` /
``dates`` (the filters), ``pagingbar``, ``actions`` (call back, copy),
``export`` / ``csvfile`` (CSV export), ``columns`` / ``cells`` / ``calls``
(what each column shows and how).
"""

from pbxdesk.ui.history.tab import HistoryTab

__all__ = ["HistoryTab"]
