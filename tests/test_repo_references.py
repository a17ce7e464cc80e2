"""Product files refer only to files inside this repository (issue 8, item 18).

Notes kept outside the checkout (a team's shared folder) do not exist for
someone who clones it: a comment or doc pointing there is a dead end.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\.\./shared|/work/|qt-notes|live-notes|(?<![\w/.-])style\.md")
DOC_PATH = re.compile(r"\bdocs/[\w.-]+\.md\b")
THIS_FILE = Path(__file__).resolve()


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True, timeout=60).stdout.split(b"\0")
    files = []
    for name in filter(None, listed):
        path = ROOT / name.decode()
        if path.resolve() == THIS_FILE or not path.is_file():
            continue
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, icons
        files.append(path)
    return files


def test_no_file_points_outside_the_repository() -> None:
    offending = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in tracked_text_files()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if OUTSIDE.search(line)]
    assert offending == []


def test_every_docs_file_named_exists() -> None:
    named = {match for path in tracked_text_files()
             for match in DOC_PATH.findall(path.read_text(encoding="utf-8"))}
    assert named  # the check looks at something
    assert sorted(name for name in named if not (ROOT / name).is_file()) == []
