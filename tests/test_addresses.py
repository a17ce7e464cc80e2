"""A server address names the same things however the user spelled its edges."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbxdesk.addresses import bare_address
from pbxdesk.api.settings import ClientSettings
from pbxdesk.live.client import events_url
from pbxdesk.paths import AppPaths
from pbxdesk.secrets import relay_token_account
from pbxdesk.services.callbackrelay import cursor_key
from pbxdesk.services.live import last_id_key

SPELLINGS = ["https://relay.example.com", "https://relay.example.com/",
             "  https://relay.example.com//  ", "\thttps://relay.example.com/\n"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_bare_address_drops_blanks_and_trailing_slashes(spelling: str) -> None:
    assert bare_address(spelling) == "https://relay.example.com"


def test_bare_address_keeps_a_path_and_its_case() -> None:
    assert bare_address(" https://PBX.example.com/Tenant/ ") == "https://PBX.example.com/Tenant"


@pytest.mark.parametrize("spelling", SPELLINGS[1:])
def test_every_relay_key_is_the_same_for_every_spelling(spelling: str) -> None:
    plain = SPELLINGS[0]
    assert relay_token_account(spelling) == relay_token_account(plain)
    assert last_id_key(spelling) == last_id_key(plain)
    assert cursor_key(spelling) == cursor_key(plain)
    assert events_url(spelling) == events_url(plain) == "https://relay.example.com/events"


@pytest.mark.parametrize("spelling", SPELLINGS[1:])
def test_an_account_keeps_its_store_and_api_root_for_every_spelling(
        tmp_path: Path, spelling: str) -> None:
    paths = AppPaths.under(tmp_path)
    assert paths.database_file(spelling) == paths.database_file(SPELLINGS[0])
    assert (ClientSettings(base_url=spelling, api_key="k").api_root
            == ClientSettings(base_url=SPELLINGS[0], api_key="k").api_root)
