"""pbxdesk and the user's desktop, outside its own window.

- ``missed``: :class:`MissedCalls`, the unseen missed-call count the tray shows
  (no Qt);
- ``launcher``: how the desktop should start this pbxdesk (frozen executable,
  or this Python with ``-m pbxdesk``), quoted for a desktop entry or a
  Windows command line (no Qt);
- ``registration``: :class:`Verdict` (who opens ``tel:`` links), the
  :class:`Registrar` interface and :func:`registrar_for_platform` (no Qt);
- ``linux``, ``windows``: the registrars that make pbxdesk the
  ``tel:``/``callto:`` handler and check who is (no Qt);
- ``windows_registry``: the Windows registry entries as data, which the
  installer script must match (no Qt, no ``winreg``);
- ``macos``: :class:`FileOpenFilter`, links that macOS delivers as
  ``QFileOpenEvent`` (the bundle's Info.plist registers them);
- ``panel``: :class:`TelHandlerPanel`, the settings dialog's "Phone links" part;
- ``integration``: :class:`DesktopIntegration`, which owns the tray icon, the
  clipboard watcher and the single-instance server and carries out what
  arrives through them.
"""
