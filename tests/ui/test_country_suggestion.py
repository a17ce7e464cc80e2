"""A first run guessed the wrong country: the account's numbers suggest the right one.

The demo PBX is Australian; the profile's default country is the US, as a C or
en_US locale makes it on a first run.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.app import Controller
from pbxdesk.paths import AppPaths
from pbxdesk.phone import DialTarget
from pbxdesk.services.callerids import CallerIdChoice
from pbxdesk.services.country import SOURCE, CountryAdvisor, account_region, suggested_region
from pbxdesk.services.messages import MessageBridge, Remedy
from pbxdesk.store import CallStore
from tests.services.helpers import run
from tests.ui.controller import make_controller, small_demo, stop


def choice(e164: str, uses: int = 1) -> CallerIdChoice:
    return CallerIdChoice(value=e164.lstrip("+"), e164=e164, label=e164, uses=uses)


def test_the_country_of_most_of_the_accounts_numbers() -> None:
    sydney, melbourne, london = choice("+61298765432", 5), choice("+61398765432", 3), choice(
        "+442079460958", 2)
    assert account_region([sydney, melbourne, london]) == "AU"
    assert account_region([sydney, choice("+442079460958", 5)]) is None  # no clear majority
    assert account_region([]) is None
    assert suggested_region([sydney, melbourne], "US") == "AU"
    assert suggested_region([sydney, melbourne], "AU") is None
    assert suggested_region([sydney], "CX") is None  # Christmas Island dials +61 too
    assert suggested_region([choice("+14165550123")], "US") is None  # Canada shares +1


def open_with_region(qtbot: QtBot, controller: Controller, region: str) -> None:
    demo = small_demo()
    demo.start()
    controller.demo = demo  # shut down with the controller
    controller.settings = demo.settings().replace(default_region=region)
    opening = asyncio.ensure_future(controller.open_session(controller.settings, demo.api_key))
    qtbot.waitUntil(opening.done, timeout=20_000)
    opening.result()


def test_the_first_sync_suggests_the_accounts_country_and_one_click_switches(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    controller = make_controller(paths, demo=False)
    try:
        open_with_region(qtbot, controller, "US")
        banner = controller.window.banner
        qtbot.waitUntil(lambda: banner.message is not None
                        and banner.message.source == SOURCE, timeout=20_000)
        assert banner.text() == (
            "Your account's numbers are in Australia (+61), but numbers typed without a "
            "country code are read as United States (+1). Use Australia as the default "
            "country?")
        assert banner.message is not None
        assert banner.message.remedy is Remedy.USE_ACCOUNT_COUNTRY
        pad = controller.window.pad
        assert pad is not None
        pad.set_number("0412 345 678")
        assert not isinstance(pad.target(), DialTarget)  # not a US number

        banner.sig_remedy_requested.emit(Remedy.USE_ACCOUNT_COUNTRY.value)
        qtbot.waitUntil(lambda: controller.session is not None
                        and controller.session.settings.default_region == "AU", timeout=20_000)
        assert banner.message is None or banner.message.source != SOURCE
        pad = controller.window.pad
        assert pad is not None
        pad.set_number("0412 345 678")
        assert isinstance(pad.target(), DialTarget)
        # Asked once: the next sync of the (no longer empty) store does not ask again.
        assert controller.country is not None
        assert not controller.country.waiting
    finally:
        stop(qtbot, controller)


def test_no_suggestion_when_the_country_already_fits(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    controller = make_controller(paths, demo=False)
    try:
        open_with_region(qtbot, controller, "AU")
        session = controller.session
        assert session is not None
        qtbot.waitUntil(lambda: session.sync.last_result is not None, timeout=20_000)
        country = controller.country
        assert country is not None
        qtbot.waitUntil(lambda: not country.waiting, timeout=5000)  # read off the GUI thread
        assert country.suggested is None
        message = controller.window.banner.message
        assert message is None or message.source != SOURCE
    finally:
        stop(qtbot, controller)


def test_the_accounts_numbers_are_read_off_the_gui_thread(
        qtbot: QtBot, qloop: qasync.QEventLoop, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Read on the GUI thread after the first sync, they froze the window for tens of ms.
    readers: list[bool] = []

    def numbers(store: CallStore, region: str) -> list[CallerIdChoice]:
        readers.append(threading.current_thread() is threading.main_thread())
        return [choice("+61290000000", uses=5)]

    monkeypatch.setattr("pbxdesk.services.country.account_numbers", numbers)
    messages = MessageBridge()
    with CallStore(tmp_path / "calls.sqlite3", default_region="US") as store:
        advisor = CountryAdvisor(store, messages, "US")
        assert advisor.waiting  # an empty store: the first sync is next

        async def after_the_first_sync() -> None:
            advisor.on_sync_finished()
            advisor.on_sync_finished()  # a second sync meanwhile does not read again

        run(qtbot, after_the_first_sync())
        qtbot.waitUntil(lambda: not advisor.waiting, timeout=5000)
    assert readers == [False]
    assert advisor.suggested == "AU"
