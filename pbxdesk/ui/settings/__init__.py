"""The parts of the settings dialog (:mod:`pbxdesk.ui.settingsdialog`).

- ``fields``: one editor per setting, generated from :data:`pbxdesk.settings.SETTINGS`
  (labels, help, choices, limits), and the API key field;
- ``keystorage``: where the key is kept, an explicit choice where there is no keyring;
- ``verdict``: the inline result of "Test connection";
- ``mnemonics``: Alt+letter shortcuts that do not collide.
"""
