"""Connection settings: HTTPS outside loopback, key hygiene, URL building."""

from __future__ import annotations

import dataclasses

import pytest

from pbxdesk.api.errors import ConfigurationError
from pbxdesk.api.settings import ClientSettings, is_loopback_host

KEY = "Zq8-settings-SECRET-4711"


def settings(**overrides: object) -> ClientSettings:
    values: dict[str, object] = {"base_url": "https://au.voipcloud.online", "api_key": KEY}
    values.update(overrides)
    return ClientSettings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.8.7", "[::1]", "localhost", "LOCALHOST"])
def test_plain_http_is_allowed_to_loopback(host: str) -> None:
    settings(base_url=f"http://{host}:8080").validate()


@pytest.mark.parametrize("url", ["http://au.voipcloud.online", "http://10.0.0.5:8080",
                                 "http://192.168.1.2", "http://[fe80::1]", "http://localhost.evil.com"])
def test_plain_http_elsewhere_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="not encrypted"):
        settings(base_url=url).validate()


@pytest.mark.parametrize(("url", "says"), [
    ("", "must be a web address"), ("au.voipcloud.online", "must be a web address"),
    ("ftp://x.example", "must be a web address"), ("https://", "must be a web address"),
    ("https://a.example/?token=1", "must not contain a query"),
    ("https://user:pw@a.example", "must not contain a query, a fragment or a user name")])
def test_unusable_addresses(url: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        settings(base_url=url).validate()


@pytest.mark.parametrize(("overrides", "says"), [
    ({"api_key": ""}, "No API key"), ({"api_key": "  "}, "No API key"),
    ({"api_key": KEY + "\n"}, "line breaks"), ({"api_key": "abc déf"}, "cannot be sent"),
    ({"api_version": "v3"}, "API version"), ({"post_encoding": "xml"}, "encoding"),
    ({"user_filter_param": "users numbers"}, "plain name"), ({"timeout": 0}, "timeout"),
    ({"timeout": float("nan")}, "timeout"), ({"max_offset": 10_000}, "offset cap"),
    ({"max_limit": 10_001}, "page size cap"), ({"max_limit": 0}, "page size cap"),
])
def test_each_bad_setting_is_named(overrides: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigurationError, match=says) as caught:
        settings(**overrides).validate()
    assert KEY not in str(caught.value)


def test_key_pasted_into_the_address_is_not_quoted() -> None:
    with pytest.raises(ConfigurationError, match=r"\(got 'ftp://\*\*\*\.example'\)") as caught:
        settings(base_url=f"ftp://{KEY}.example").validate()
    assert KEY not in str(caught.value)


def test_repr_masks_the_key() -> None:
    text = repr(settings())
    assert KEY not in text
    assert "api_key='***'" in text
    assert KEY not in str(dataclasses.astuple(settings())[0])


@pytest.mark.parametrize(("base", "version", "root"), [
    ("https://au.voipcloud.online", "v2", "https://au.voipcloud.online/api/integration/v2"),
    ("https://au.voipcloud.online/", "v1", "https://au.voipcloud.online/api/integration/v1"),
    ("https://pbx.example/portal/api/integration/v1/", "v2",
     "https://pbx.example/portal/api/integration/v2"),
])
def test_api_root(base: str, version: str, root: str) -> None:
    assert settings(base_url=base, api_version=version).api_root == root
    assert settings(base_url=base, api_version=version).endpoint_url("x") == root + "/x"


def test_is_loopback_host() -> None:
    assert is_loopback_host("127.0.0.1")
    assert is_loopback_host("::1")
    assert not is_loopback_host("128.0.0.1")
    assert not is_loopback_host("example.com")
