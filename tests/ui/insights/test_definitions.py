"""The definitions are written once: the tooltips' sentences are docs/insights.md's."""

from __future__ import annotations

from pathlib import Path

from pbxdesk.ui.insights import definitions

DOC = Path(__file__).resolve().parents[3] / "docs" / "insights.md"


def test_every_definition_is_in_the_docs_word_for_word() -> None:
    listed = [line[2:] for line in DOC.read_text(encoding="utf-8").splitlines()
              if line.startswith("- ")]
    assert [text for text in definitions.ALL if text not in listed] == []
    # ...and in the same order, one after the other.
    start = listed.index(definitions.ALL[0])
    assert tuple(listed[start:start + len(definitions.ALL)]) == definitions.ALL


def test_a_tip_joins_definitions_as_paragraphs() -> None:
    assert definitions.tip(definitions.ANSWERED, definitions.MISSED) == (
        f"{definitions.ANSWERED}\n\n{definitions.MISSED}")
