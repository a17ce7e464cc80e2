"""The Insights tab: charts of the stored calls per day, hour, queue and agent.

Only :class:`InsightsTab` is imported here; the charts (Qt Charts) load when the
tab is first shown.
"""

from pbxdesk.ui.insights.tab import InsightsTab

__all__ = ["InsightsTab"]
