"""The self-test's steps that run inside the event loop, and its orderly shutdown.

:class:`Exercise` drives the same pieces the app's composition root
(:mod:`pbxdesk.app`) wires together, with the demo PBX as the account: sandbox
served on loopback, a :class:`~pbxdesk.session.Session` syncing over real HTTP,
the main window showing that session and its Insights charts, a number parsed and
dialled through the click-to-call endpoint, and the keyring only asked which
backend it has.
"""

from __future__ import annotations

import asyncio
import time

import keyring

from pbxdesk.api.models import CallKind
from pbxdesk.demo import DemoPbx
from pbxdesk.paths import AppPaths
from pbxdesk.phone import DialTarget, parse_dial_input
from pbxdesk.secrets import keyring_available
from pbxdesk.selftest.report import Findings, SelfTestError, describe, forced_failure, step
from pbxdesk.services.insights import Section
from pbxdesk.services.messages import MessageBridge
from pbxdesk.session import Session
from pbxdesk.settings import Settings
from pbxdesk.store.insights import Scope
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.mainwindow import MainWindow
from pbxdesk.ui.posted import deliver_posted_events

DEMO_CALLS = 2000
DEMO_DAYS = 14
DIAL_TEXT, DIAL_REGION, DIAL_EXPECTED = "0412 345 678", "AU", "+61412345678"
SYNC_TIMEOUT = 120.0
WINDOW_TIMEOUT = 30.0  # seconds for the first page of the history to arrive
INSIGHTS_TIMEOUT = 30.0
WRONG_KEY = "selftest-wrong-api-key"
"""The key the ``sync`` step uses when the tests force it to fail: a real 401."""


class Exercise:
    """Runs the loop-bound steps in order, recording what they found in ``findings``."""

    def __init__(self, paths: AppPaths, findings: Findings) -> None:
        self.paths = paths
        self.findings = findings
        self.messages = MessageBridge()
        self.task_errors: list[BaseException] = []
        self.tasks = TaskKeeper(on_error=self.task_errors.append)
        self.sync_failures: list[str] = []
        self.demo: DemoPbx | None = None
        self.settings = Settings()
        self.session: Session | None = None
        self.window: MainWindow | None = None

    async def run(self) -> None:
        await self.start_sandbox()
        await self.sync()
        await self.show_window()
        await self.show_insights()
        target = self.dial()
        await self.place_call(target)
        self.check_keyring()
        if self.task_errors:  # a bug in a background task that the steps did not see
            raise SelfTestError("tasks", describe(self.task_errors[0]))

    async def start_sandbox(self) -> None:
        with step("sandbox"):
            self.demo = DemoPbx(calls=DEMO_CALLS, days=DEMO_DAYS, live_traffic=False)
            await asyncio.to_thread(self.demo.start)
            self.settings = self.demo.settings(Settings())

    async def sync(self) -> None:
        with step("sync", forced_here=False):
            assert self.demo is not None
            key = WRONG_KEY if forced_failure("sync") else self.demo.api_key
            session = Session.open(self.settings, key, self.paths, self.messages, self.tasks)
            self.session = session
            session.sync.sig_sync_failed.connect(self.sync_failures.append)
            started = time.perf_counter()
            task = session.sync.start_sync()
            if task is None:
                raise SelfTestError("sync", "the sync service did not start a sync")
            try:
                result = await asyncio.wait_for(task, SYNC_TIMEOUT)
            except TimeoutError:
                raise SelfTestError("sync", f"no result after {SYNC_TIMEOUT:.0f} s") from None
            if result is None:
                reason = self.sync_failures[-1] if self.sync_failures else "no result"
                raise SelfTestError("sync", reason)
            self.findings.sync_seconds = time.perf_counter() - started
            self.findings.calls = session.store.count()
            if self.findings.calls == 0:
                raise SelfTestError("sync", "the sync stored no calls")

    async def show_window(self) -> None:
        with step("window"):
            assert self.session is not None
            window = MainWindow(self.messages)
            self.window = window
            window.attach_session(self.session)
            window.show()
            # The tab's model reads the store on a worker thread: wait for its first page.
            model = window.tabs_by_kind[CallKind.USER].model
            arrived = asyncio.Event()
            model.sig_page_changed.connect(
                lambda: None if model.loading else arrived.set())
            if model.loading:
                try:
                    await asyncio.wait_for(arrived.wait(), WINDOW_TIMEOUT)
                except TimeoutError:
                    raise SelfTestError("window", "the history's first page never came"
                                        ) from None
            if model.rowCount() == 0 or model.call_at(0) is None:
                raise SelfTestError("window", "the user-calls tab shows no rows")
            deliver_posted_events()  # pending layouts; not processEvents (see ui.posted)
            if window.grab().isNull():
                raise SelfTestError("window", "the window rendered to an empty picture")

    async def show_insights(self) -> None:
        with step("insights"):
            window = self.window
            assert window is not None
            tab = window.insights
            if tab is None or not window.show_view("insights"):
                raise SelfTestError("insights", "the window has no Insights tab")
            tab.scope_bar.set_scope(Scope.USERS)  # every user: the demo has calls of all
            deadline = time.perf_counter() + INSIGHTS_TIMEOUT
            while tab.busy:
                if time.perf_counter() > deadline:
                    raise SelfTestError("insights", f"no figures after {INSIGHTS_TIMEOUT:.0f} s")
                await asyncio.sleep(0.05)
            days = tab.sections[Section.DAYS]
            counted = sum(row[1] for row in days.model.table.rows if isinstance(row[1], int))
            if counted == 0 or not days.chart.chart().series():
                raise SelfTestError("insights", "the calls-per-day chart shows no calls")
            deliver_posted_events()
            if days.chart.grab().isNull():
                raise SelfTestError("insights", "the chart rendered to an empty picture")

    def dial(self) -> DialTarget:
        with step("dial"):
            result = parse_dial_input(DIAL_TEXT, DIAL_REGION)
            if not isinstance(result, DialTarget) or result.e164 != DIAL_EXPECTED:
                raise SelfTestError("dial", f"{DIAL_TEXT!r} in {DIAL_REGION} gave {result!r}, "
                                              f"not {DIAL_EXPECTED}")
            self.findings.dialled = result.e164
            return result

    async def place_call(self, target: DialTarget) -> None:
        with step("call"):
            assert self.session is not None
            assert self.demo is not None
            sandbox = self.demo.sandbox
            extension = self.settings.my_extension
            await self.session.client.call_to_number(extension, target.number_to_call)
            # The sandbox records a call, with the fields as received, before it answers.
            seen = [(call.fields.get("user_number"), call.fields.get("number_to_call"))
                    for call in sandbox.placed_calls()]
            if (extension, DIAL_EXPECTED) not in seen:
                raise SelfTestError("call", f"the sandbox saw {seen}, not a call from "
                                              f"{extension} to {DIAL_EXPECTED}")

    def check_keyring(self) -> None:
        with step("keyring"):
            # Only asked which backend it has: nothing is read from or written to it.
            if keyring_available():
                self.findings.keyring = str(getattr(keyring.get_keyring(), "name", "") or
                                            type(keyring.get_keyring()).__name__)
            else:
                self.findings.keyring = "none (file/no-remember fallback)"

    async def shutdown(self) -> None:
        """Window, session, background tasks, sandbox: each closed if it was opened."""
        if self.window is not None:
            self.window.detach_session()
            self.window.hide()
            self.window.deleteLater()
            self.window = None
        if self.session is not None:
            session, self.session = self.session, None
            await session.close()
        await self.tasks.cancel_all()
        if self.demo is not None:
            demo, self.demo = self.demo, None
            await asyncio.to_thread(demo.stop)
