"""Open in CRM: only http(s) templates, the number always percent-encoded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbxdesk.live.crm import crm_url, is_web_link, template_problem
from pbxdesk.settings import Settings, validate

TEMPLATE = "https://crm.example.com/search?phone={e164}"


def test_an_empty_template_is_off_and_valid() -> None:
    assert template_problem("") is None
    assert crm_url("", "+61412345678", "0412345678") is None


@pytest.mark.parametrize(("template", "words"), [
    ("javascript:alert(1)//{e164}", "https://"),
    ("file:///etc/passwd?{e164}", "https://"),
    ("https://crm.example.com/search", "Put {e164}"),
    ("https://crm.example.com/?q={phone}", "Unknown placeholder {phone}"),
    ("https://{e164}.example.com/", "after the host"),
    ("https://crm.example.com/ search?{e164}", "no spaces"),
    ("https://crm.example.com/?q={e164}}", "Braces"),
    ("crm.example.com/?q={e164}", "https://"),
])
def test_bad_templates_are_refused_with_what_to_do(template: str, words: str) -> None:
    problem = template_problem(template)
    assert problem is not None
    assert words in problem
    assert crm_url(template, "+61412345678", "0412345678") is None


def test_the_settings_refuse_a_bad_template() -> None:
    problems = validate(Settings(crm_url_template="ftp://crm.example.com/{e164}"))
    assert set(problems) == {"crm_url_template"}


def test_every_placeholder_is_filled_and_encoded() -> None:
    template = "https://crm.example.com/p/{digits}?e={e164}&raw={number}"
    assert crm_url(template, "+61412345678", "0412 345 678") == (
        "https://crm.example.com/p/61412345678?e=%2B61412345678&raw=0412%20345%20678")


def test_a_number_without_e164_falls_back_to_the_raw_number() -> None:
    assert crm_url(TEMPLATE, None, "1002") == "https://crm.example.com/search?phone=1002"
    assert crm_url(TEMPLATE, None, None) is None


@given(st.text(max_size=40))
def test_a_hostile_caller_id_never_leaves_the_query_value(raw: str) -> None:
    url = crm_url(TEMPLATE, None, raw)
    if url is None:
        assert not raw.strip()
        return
    assert url.startswith("https://crm.example.com/search?phone=")
    value = url.removeprefix("https://crm.example.com/search?phone=")
    assert not set(value) & set("&#?/ \n\r\t")
    assert is_web_link(url)


def test_only_web_links_are_links() -> None:
    assert is_web_link("https://recordings.example.com/1.wav")
    assert not is_web_link("file:///etc/passwd")
    assert not is_web_link("javascript:alert(1)")
    assert not is_web_link("https://")
