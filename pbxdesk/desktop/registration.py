"""Who opens ``tel:`` links: the verdict type, the registrar interface, and the factory.

Each platform's registrar (``linux``, ``windows``, and macOS's bundle-only
:class:`BundleRegistrar`) answers three questions with a :class:`Verdict`:
make pbxdesk the handler (:meth:`Registrar.register`), who is the handler
(:meth:`Registrar.check_registration`), and would a link reach this pbxdesk
(:meth:`Registrar.test_link`). No Qt here.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from pbxdesk import APP_ID

DESKTOP_ID = f"{APP_ID}.desktop"
SCHEMES = ("tel", "callto")


class Status(StrEnum):
    OURS = "ours"  # links open pbxdesk
    OTHER = "other"  # another app opens them (Verdict.handler names it)
    NONE = "none"  # nothing does
    TOOLS_MISSING = "tools-missing"  # cannot tell or change it (e.g. no xdg-utils)
    BROKEN = "broken"  # registered to pbxdesk, but its command does not start anything
    BUNDLE = "bundle"  # the platform reads it from the app bundle (macOS)
    FAILED = "failed"  # an error; the message says which


@dataclass(frozen=True, slots=True)
class Verdict:
    """An answer about link handling, with a sentence for the settings dialog.

    Attributes:
        status: the category.
        message: what it means for the user, and what to do if anything.
        handler: the other app's name (``Status.OTHER``) or our command's program.
    """

    status: Status
    message: str
    handler: str = ""

    @property
    def ours(self) -> bool:
        return self.status is Status.OURS


class Registrar(Protocol):
    """Makes pbxdesk the ``tel:``/``callto:`` handler on one platform."""

    @property
    def can_register(self) -> bool:
        """False where the user cannot do it from pbxdesk (macOS: the bundle does it)."""

    def register(self) -> Verdict:
        """Make pbxdesk the handler; the verdict says how that went."""

    def check_registration(self) -> Verdict:
        """Who handles ``tel:`` links now."""

    def test_link(self) -> Verdict:
        """Would a ``tel:`` link start this pbxdesk? (Ours, and our command exists.)"""


class BundleRegistrar:
    """macOS: the bundle's Info.plist declares the schemes; the user picks the default."""

    can_register = False

    def register(self) -> Verdict:
        return self.check_registration()

    def check_registration(self) -> Verdict:
        return Verdict(Status.BUNDLE, "The pbxdesk app registers tel: and callto: links itself. "
                       "To make it the default for calls, choose it in FaceTime > Settings > "
                       "Default for calls.")

    def test_link(self) -> Verdict:
        return self.check_registration()


def registrar_for_platform(extra_args: tuple[str, ...] = (),
                           env: Mapping[str, str] | None = None) -> Registrar:
    """The registrar for this OS, starting this pbxdesk (plus ``extra_args``)."""
    from pbxdesk.desktop.launcher import current_launcher

    launcher = current_launcher(extra_args)
    if sys.platform == "win32":
        from pbxdesk.desktop.windows import WindowsRegistrar

        return WindowsRegistrar(launcher)
    if sys.platform == "darwin":
        return BundleRegistrar()
    from pbxdesk.desktop.linux import LinuxRegistrar

    return LinuxRegistrar(launcher, env=env)
