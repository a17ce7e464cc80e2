"""The dial pad panel: type or paste a number, see what will be dialled, call.

:class:`DialPad` puts together the number field (:mod:`.numberedit`), the keys
(:mod:`.keypad`), the pickers for whose phones ring and the caller ID
(:mod:`.choices`), its questions (:mod:`.choicebar`), the status of the current
call (:mod:`.status`, kept on the newest call by :mod:`.callfollow`) and the recent
numbers (:mod:`.recent`), as :mod:`.padview` makes and lays them out. Every number rule
is :mod:`pbxdesk.phone`'s, read with the account's known extensions; placing and
following calls is :class:`~pbxdesk.services.calls.CallService`'s. The pad only
shows, asks and forwards: it never guesses between an extension and a number,
and never calls a premium-rate number without a second yes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Sequence
from typing import Final

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from pbxdesk.phone import (
    DialResult,
    DialTarget,
    NotDialable,
    normalize_api_number,
    parse_dial_input,
    warm_up,
)
from pbxdesk.services.callerids import CallerIdChoice, account_numbers
from pbxdesk.services.calls import CallService
from pbxdesk.services.extensions import account_extensions
from pbxdesk.store import CallStore, RecentDial, StoreError, UserInfo
from pbxdesk.ui.dialpad.callfollow import CallFollower
from pbxdesk.ui.dialpad.choicebar import BOTH_READINGS
from pbxdesk.ui.dialpad.padview import CALL_TEXT, PadView
from pbxdesk.ui.dialpad.preview import preview_of
from pbxdesk.ui.dialpad.status import set_icon
from pbxdesk.ui.dialpad.style import STYLE

log = logging.getLogger("pbxdesk.ui")

NO_EXTENSION_TEXT: Final = "Set your extension in Settings"
PICK_EXTENSION_TEXT: Final = "Pick whose phones ring"
RECENT_LIMIT: Final = 30


class DialPad(PadView):
    """A panel for click-to-call.

    Signals:
        sig_settings_requested(): the "open Settings" link (no extension set).

    Attributes (the controls are :class:`PadView`'s):
        confirm_before_dialling: when True (the default), a redial or a
            :meth:`set_number` with ``dial=True`` fills the field and waits for
            Call; when False it calls at once.
        follower, refusal: what keeps :attr:`status` on the newest call, and its
            watch on a refusal shown.
    """

    sig_settings_requested = Signal()
    """The user asked for Settings (to set their extension)."""

    def __init__(self, service: CallService, store: CallStore, *, default_region: str,
                 my_extension: str, default_caller_id: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialPad")
        self.setAccessibleName("Dial pad")
        self.service = service
        self.store = store
        self._region = default_region
        self._my_extension = my_extension.strip()
        self._default_caller_id = default_caller_id.strip()
        self._choices_overridden = False  # see choose()
        self._extensions: frozenset[str] = frozenset()  # the account's, see reload_choices()
        self._reading: asyncio.Future[tuple[list[UserInfo], list[CallerIdChoice]]] | None = None
        self._read_again = False
        self._notice = ""  # said in the preview line while the field stays empty
        self.confirm_before_dialling = True
        self._build(self._region, self.store.values)
        self.follower = CallFollower(service, self.status, self.user_picker.user_number, self)
        self.refusal = self.follower.refusal
        self._connect_signals()
        self.setStyleSheet(STYLE)
        self._warm_up()
        self.reload_choices()
        self._reload_recent()
        self._on_number_changed()
        self.follower.show_call_under_way()

    def _connect_signals(self) -> None:
        self.number.textChanged.connect(self._on_number_changed)
        self.backspace.clicked.connect(self._on_backspace_clicked)
        self.keypad.sig_key_pressed.connect(self._on_keypad_key_pressed)
        self.user_picker.editTextChanged.connect(self._on_choice_changed)
        self.user_picker.currentIndexChanged.connect(self._on_choice_changed)
        self.no_extension_hint.linkActivated.connect(self._on_hint_link_activated)
        self.call_button.clicked.connect(self._on_call_requested)
        self.choice_bar.sig_dismissed.connect(self._on_choice_bar_dismissed)
        self.redial_button.clicked.connect(self._on_redial_clicked)
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.recent.sig_redial_requested.connect(self._on_recent_redial_requested)
        self.service.sig_recent_changed.connect(self._reload_recent)

    # -- public ------------------------------------------------------------------------

    def set_number(self, text: str, *, dial: bool = False) -> None:
        """Put ``text`` (typed, a link, a row's number as the API sends it) in the field.

        With ``dial`` the call is placed at once unless :attr:`confirm_before_dialling`
        is set; then the Call button takes the focus so Enter places it. Either way
        the pad asks first when the digits are both a known extension and a number,
        and before it calls a premium-rate number.
        """
        result = self._read(text)
        if isinstance(result, NotDialable):
            # A number as the API writes it ("44123456789": digits without +).
            e164 = normalize_api_number(text, self._region)
            if e164 is not None:
                result = self._read(e164)
        self.number.set_number_text(result.display if isinstance(result, DialTarget) else text)
        if not dial:
            return
        if isinstance(result, DialTarget) and (
                result.alternative is not None or not self.confirm_before_dialling):
            self._on_call_requested()  # calls, or asks when it must
        elif self.call_button.isEnabled():
            self.call_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def offer_numbers(self, numbers: Sequence[tuple[str, str]]) -> None:
        """Copied text held several numbers: ask which, as (dial pad text, label) pairs.

        The field is emptied, so Call cannot dial a number from before; the one
        chosen goes in as :meth:`set_number` with ``dial`` would put it.
        """
        self._say_in_empty_field(f"The copied text holds {len(numbers)} numbers: "
                                 "choose one below.")
        self.choice_bar.ask_copied_number(
            numbers, functools.partial(self.set_number, dial=True))

    def show_nothing_to_dial(self, reason: str) -> None:
        """Copied text held no number: empty the field and say why in the pad."""
        self._say_in_empty_field(f"Nothing to call in what you copied: {reason}")
        self.number.setFocus(Qt.FocusReason.OtherFocusReason)

    def choose(self, *, user: str | None = None, caller_id: str | None = None) -> str | None:
        """Pick whose phones ring and the caller ID (a link's or the command line's).

        The choice holds for the next call placed from the pad; then the defaults
        come back. Returns what could not be honoured, for the user; None when all was.
        """
        if self._choices_overridden:  # an earlier request's choice, never used
            self._reset_choices()
        self._choices_overridden = bool(user or caller_id)
        if user:
            self.user_picker.select(user.strip())
        if caller_id and not self.caller_picker.select_number(caller_id.strip(), self._region):
            self.caller_picker.select(None)
            return (f"{caller_id.strip()} is not one of your account's numbers, so the PBX's "
                    "default caller ID is used.")
        return None

    def focus_number(self) -> None:
        self.number.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.number.selectAll()

    def set_default_region(self, code: str) -> None:
        if code != self._region:
            self._region = code
            self._warm_up()
        self.number.set_region(code)
        self.reload_choices()
        self._on_number_changed()

    def set_my_extension(self, extension: str) -> None:
        self._my_extension = extension.strip()
        self.reload_choices()

    def set_default_caller_id(self, caller_id: str) -> None:
        self._default_caller_id = caller_id.strip()
        self.reload_choices()

    def reload_choices(self) -> None:
        """Refill the user and caller-ID lists from the store, now (a setting changed)."""
        self._fill_choices(*self._read_choices(self._region))

    def reload_choices_soon(self) -> None:
        """Refill them after a sync: read on a worker thread (the account's numbers are a
        read of a few thousand calls, 20-30 ms that froze the window after every sync)."""
        if self._reading is not None:
            self._read_again = True
            return
        self._read_again = False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop runs (a script, a test): read them now
            self.reload_choices()
            return
        self._reading = loop.run_in_executor(None, self._read_choices, self._region)
        self._reading.add_done_callback(self._on_choices_read)

    def _on_choices_read(self, reading: asyncio.Future[tuple[list[UserInfo], list[CallerIdChoice]]],
                         ) -> None:
        self._reading = None
        if reading.cancelled() or not shiboken6.isValid(self):
            return  # the pad went with its session meanwhile
        if self._read_again:
            self.reload_choices_soon()
            return
        self._fill_choices(*reading.result())

    def _read_choices(self, region: str) -> tuple[list[UserInfo], list[CallerIdChoice]]:
        """(Any thread) the users and the account's numbers; none if the store fails."""
        try:
            return self.store.users(), account_numbers(self.store, region)
        except (StoreError, RuntimeError) as error:  # RuntimeError: the store closed
            log.warning("Dial pad: could not read users and numbers from the store: %s", error)
            return [], []

    def _fill_choices(self, users: list[UserInfo], numbers: list[CallerIdChoice]) -> None:
        self._extensions = account_extensions(users, self._my_extension)
        self.user_picker.populate(self._my_extension, users)
        self.caller_picker.populate(self._default_caller_id, numbers, self._region)
        self._on_number_changed()  # the digits may name a newly known extension

    @property
    def known_extensions(self) -> frozenset[str]:
        """The account's extensions: its users seen in the history, and the agent's own."""
        return self._extensions

    def target(self) -> DialResult:
        """What the field holds, as :func:`pbxdesk.phone.parse_dial_input` reads it."""
        return self._read(self.number.text())

    def _warm_up(self) -> None:
        """Load the country's number rules off the GUI thread, before the first keystroke."""
        threading.Thread(target=warm_up, args=(self._region,), name="phone-warm-up",
                         daemon=True).start()

    def _read(self, text: str) -> DialResult:
        return parse_dial_input(text, self._region, extensions=self._extensions)

    # -- keyboard ------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        # Keys the focused child did not take reach here: Enter from the number field
        # and the pickers (line edits pass it on), digits from the buttons.
        key, text = event.key(), event.text()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._on_call_requested()
        elif key == Qt.Key.Key_Backspace:
            self.number.backspace_key()
        elif text and len(text) == 1 and (text.isdigit() or text in "+*#"):
            self.number.insert_key(text)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # -- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_number_changed(self) -> None:
        result = self.target()
        if self.number.text():
            self._notice = ""
        icon, text = preview_of(result, self._region, self._extensions, self._notice)
        self.preview.setText(text)
        set_icon(self.preview_icon, icon)
        self._update_question(result)
        self._update_call_button()

    @Slot()
    def _on_choice_changed(self) -> None:
        self._update_call_button()

    def _update_call_button(self) -> None:
        user = self.user_picker.user_number()
        has_extension = bool(self._my_extension) or self.user_picker.count() > 0
        # Said only while true: an extension typed or picked for this call answers it.
        self.no_extension_hint.setVisible(not self._my_extension and not user)
        target = self.target()
        dialable = isinstance(target, DialTarget)
        if not user:
            label = PICK_EXTENSION_TEXT if has_extension else NO_EXTENSION_TEXT
            tip = "Choose or type the extension whose phones should ring."
        elif isinstance(target, DialTarget) and target.alternative is not None:
            label, tip = CALL_TEXT, f"{target.question} Choose below (Enter)."
        else:
            label = CALL_TEXT
            tip = (f"Ring ext {user}, then dial the number (Enter)" if dialable
                   else "Enter a number that can be dialled first.")
        self.call_button.setText(label)
        self.call_button.setToolTip(tip)
        self.call_button.setEnabled(bool(user) and dialable)

    @Slot()
    def _on_call_requested(self) -> None:
        result = self.target()
        if not isinstance(result, DialTarget) or not self.user_picker.user_number():
            return
        self._call(result)

    def _call(self, target: DialTarget, *, premium_confirmed: bool = False) -> None:
        """Place the call, unless the agent must choose or confirm first: then ask."""
        if target.alternative is not None:
            self.choice_bar.ask_which_reading(target, self._call, focus=True)
            return
        if target.is_premium_rate and not premium_confirmed:
            self.choice_bar.ask_premium_rate(
                target, functools.partial(self._call, target, premium_confirmed=True))
            return
        self.choice_bar.dismiss()
        self.follower.last_request = (target, self.user_picker.user_number())
        self.service.place_call(target, user_number=self.user_picker.user_number() or None,
                                caller_id=self.caller_picker.caller_id(),
                                premium_confirmed=premium_confirmed)
        if self._choices_overridden:  # a link's or command's choice was for this call only
            self._choices_overridden = False
            self._reset_choices()

    # -- questions ---------------------------------------------------------------------

    def _update_question(self, result: DialResult) -> None:
        """Show the two readings of the digits while the field holds them; drop stale questions."""
        if isinstance(result, DialTarget) and result.alternative is not None:
            self.choice_bar.ask_which_reading(result, self._call, focus=False)
        elif self.choice_bar.kind == BOTH_READINGS or (
                self.choice_bar.kind and self.number.text()):
            self.choice_bar.dismiss()  # the digits changed: it was about other ones

    def _say_in_empty_field(self, notice: str) -> None:
        self.choice_bar.dismiss()
        self.number.clear()
        self._notice = notice
        self._on_number_changed()

    @Slot(bool)
    def _on_choice_bar_dismissed(self, had_focus: bool) -> None:
        if had_focus:
            self.number.setFocus(Qt.FocusReason.OtherFocusReason)

    def _reset_choices(self) -> None:
        self.user_picker.select(self._my_extension)
        if not (self._default_caller_id and self.caller_picker.select_number(
                self._default_caller_id, self._region)):
            self.caller_picker.select(None)

    @Slot()
    def _on_backspace_clicked(self) -> None:
        self.number.backspace_key()

    @Slot(str)
    def _on_keypad_key_pressed(self, key: str) -> None:
        self.number.insert_key(key)

    @Slot(str)
    def _on_hint_link_activated(self, _link: str) -> None:
        self.sig_settings_requested.emit()

    @Slot()
    def _reload_recent(self) -> None:
        try:
            dials = self.store.recent_dials.recent(RECENT_LIMIT)
        except StoreError as error:
            log.warning("Dial pad: could not read the recent numbers: %s", error)
            dials = []
        self.recent.populate(dials)
        self.redial_button.setEnabled(bool(dials))
        self.clear_button.setEnabled(bool(dials))

    @Slot()
    def _on_redial_clicked(self) -> None:
        dial = self.recent.dial_at(0)
        if dial is not None:
            self._redial(dial)

    @Slot(object)
    def _on_recent_redial_requested(self, dial: RecentDial) -> None:
        self._redial(dial)

    def _redial(self, dial: RecentDial) -> None:
        if dial.user_number:
            self.user_picker.select(dial.user_number)
        self.caller_picker.select(dial.caller_id)
        self.set_number(dial.number, dial=True)

    @Slot()
    def _on_clear_clicked(self) -> None:
        try:
            self.store.recent_dials.clear()
        except StoreError as error:
            log.warning("Dial pad: could not clear the recent numbers: %s", error)
        self._reload_recent()

