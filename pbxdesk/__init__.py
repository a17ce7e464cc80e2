"""pbxdesk: a desktop companion for agents on a hosted cloud PBX.

Layers, one direction: ``api`` (HTTP) and ``store`` (SQLite) know nothing of Qt;
services sit above them; ``ui`` sits on top. ``sandbox`` is a local emulator of
the PBX's integration API used by ``--demo`` and by the tests.
"""

__version__ = "0.1.0"
APP_NAME = "pbxdesk"
APP_ID = "io.github.pbxdesk.PbxDesk"
