"""The relay runs on a server without Qt, installed from packaging/relay/requirements.txt.

In a fresh interpreter, with an import hook that refuses PySide6 / shiboken6
and every third-party package that the requirements file does not name,
every relay module imports, the command line answers, and a relay serves
one webhook to one desk. The live client (pbxdesk.live) is checked to be
Qt-free the same way. The pins must fall inside pyproject.toml's ranges.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "packaging" / "relay" / "requirements.txt"

RELAY_MODULES = [
    "pbxdesk.relay", "pbxdesk.relay.__main__", "pbxdesk.relay.admin", "pbxdesk.relay.app",
    "pbxdesk.relay.callbackapi", "pbxdesk.relay.cli", "pbxdesk.relay.credentials",
    "pbxdesk.relay.events", "pbxdesk.relay.guard", "pbxdesk.relay.hooks", "pbxdesk.relay.hub",
    "pbxdesk.relay.payload", "pbxdesk.relay.records", "pbxdesk.relay.server",
    "pbxdesk.relay.store", "pbxdesk.relay.store.base", "pbxdesk.relay.store.embedded",
    "pbxdesk.relay.store.redisstore", "pbxdesk.relay.stream", "pbxdesk.relay.triggers",
    "pbxdesk.serving",
]

# Runs in a fresh interpreter: {allowed} and {modules} are filled in below.
_GUARDED_IMPORT = r'''
import importlib, importlib.abc, importlib.metadata, sys

ALLOWED = {allowed!r}
DIST_OF = importlib.metadata.packages_distributions()

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in ("PySide6", "shiboken6"):
            raise ImportError(f"Qt imported: {{name}}")
        if top == "pbxdesk" or top in sys.stdlib_module_names or top.startswith("_"):
            return None
        if top not in DIST_OF:
            return None  # not installed here either: the import fails as it would there
        dists = {{d.lower().replace("_", "-") for d in DIST_OF[top]}}
        if not dists & ALLOWED:
            # As on the server, where it is not installed (optional imports fall back).
            raise ModuleNotFoundError(f"{{name}} is not in the requirement set "
                                      f"({{sorted(dists)}})", name=name)
        return None

sys.meta_path.insert(0, Refuse())
for module in {modules!r}:
    if module == "pbxdesk.relay.__main__":
        continue  # it runs the command line
    importlib.import_module(module)
assert not [m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))]
{extra}
print("ok")
'''

_SERVE_ONE = r'''
import json, pathlib, tempfile, threading, time, urllib.request
from pbxdesk.relay.server import RelayServer
# httpx is not installed on such a server: the check uses the standard library.
with tempfile.TemporaryDirectory() as folder, RelayServer(pathlib.Path(folder)) as relay:
    secret = relay.add_account("acme").secret
    token = relay.add_desk("acme", "1001").token
    lines = []
    def read():
        request = urllib.request.Request(relay.base_url + "/events",
                                         headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(request, timeout=10) as response:
            for raw in response:
                lines.append(raw.decode().strip())
                if lines[-1].startswith("data:"):
                    return
    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.5)
    body = json.dumps({"type": "user_inbound", "user_number": "1001"}).encode()
    post = urllib.request.Request(relay.webhook_url("acme"), data=body, method="POST",
                                  headers={"X-Pbx-Token": secret,
                                           "Content-Type": "application/json"})
    assert urllib.request.urlopen(post, timeout=10).status == 200
    reader.join(10)
    assert any(line.startswith("event: user_inbound") for line in lines), lines
'''


def requirement_names() -> set[str]:
    names = set()
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.add(Requirement(line).name.lower().replace("_", "-"))
    return names


def run_guarded(allowed: set[str], modules: list[str], extra: str = "") -> None:
    code = _GUARDED_IMPORT.format(allowed=allowed, modules=modules, extra=extra)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_relay_imports_only_its_requirement_set_and_no_qt() -> None:
    run_guarded(requirement_names(), RELAY_MODULES, _SERVE_ONE)


def test_live_client_is_qt_free() -> None:
    allowed = requirement_names() | {"httpx", "httpx-sse", "httpcore", "certifi",
                                     "phonenumbers", "sniffio"}
    run_guarded(allowed, ["pbxdesk.live", "pbxdesk.live.client", "pbxdesk.live.events"])


def test_command_line_runs_as_a_module_without_qt() -> None:
    code = ("import sys; sys.modules['PySide6'] = None; sys.modules['shiboken6'] = None; "
            "from pbxdesk.relay.cli import main; sys.exit(main(['--help']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "account" in result.stdout
    assert "serve" in result.stdout


def test_pins_agree_with_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ranges = {}
    for spec in [*project["dependencies"], *project["optional-dependencies"]["relay"]]:
        requirement = Requirement(spec)
        ranges[requirement.name.lower()] = requirement.specifier
    pinned = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            assert re.fullmatch(r"==[\w.]+", str(requirement.specifier)), line
            pinned[requirement.name.lower()] = str(requirement.specifier)[2:]
    for name in ("starlette", "uvicorn", "python-multipart", "redis", "httptools"):
        assert name in pinned, name
        assert ranges[name].contains(pinned[name]), (name, pinned[name], ranges[name])


def _code_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and
            not line.lstrip().startswith("#")]


def test_docs_show_the_packaged_unit_and_proxy_config() -> None:
    docs = (ROOT / "docs" / "relay.md").read_text()
    blocks = dict(re.findall(r"```(\w+)\n(.*?)```", docs, flags=re.DOTALL))
    for language, name in (("ini", "pbxdesk-relay.service"), ("nginx", "nginx.conf")):
        packaged = (ROOT / "packaging" / "relay" / name).read_text()
        assert _code_lines(blocks[language]) == _code_lines(packaged), name
