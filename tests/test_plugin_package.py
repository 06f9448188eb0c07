"""The third-party plugin of docs/plugins.md, exactly as the page shows it, built and installed by pip as a
real package into a fresh virtual environment, then used by `qualrules list`, `check` and `lint`.

The fresh environment sees this one's packages (qualrules and its dependencies) the way
`python -m venv --system-site-packages` sees the system's, so nothing but the plugin is installed and the
test needs no index for dependencies. pip builds the plugin offline with this environment's setuptools when
that can build wheels; otherwise in isolation, fetching the `[build-system]` requirements the page declares.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest

PLUGINS_DOC = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
PACKAGE = "cmi-qualrules"
CMI_AWARD = "603/9999/5"
# Each file of the example is a fenced block whose first line, a comment, names its path; the file is the
# whole block, that comment included.
FILE_BLOCK = re.compile(r"^```\w+\n(# (" + re.escape(PACKAGE) + r"/\S+)\n.*?)^```$", re.M | re.S)
STEP_TIMEOUT = 120  # seconds: a hung pip or command fails the test instead of the CI job


def documented_files() -> dict[str, str]:
    """The example package's files as docs/plugins.md gives them, by path."""
    return {path: text for text, path in FILE_BLOCK.findall(PLUGINS_DOC.read_text(encoding="utf-8"))}


def builds_wheels_offline() -> bool:
    """Whether this environment's setuptools can build a wheel by itself (it can from 70.1, or with `wheel`)."""
    if importlib.util.find_spec("wheel") is not None:
        return True
    major, minor, *_ = (int(part) for part in re.findall(r"\d+", metadata.version("setuptools"))[:2])
    return (major, minor) >= (70, 1)


def step(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True,
                          timeout=STEP_TIMEOUT)


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory) -> Path:
    """A fresh virtual environment's python, with the documented plugin installed into it by pip."""
    root = tmp_path_factory.mktemp("plugin-package")
    for path, text in documented_files().items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=STEP_TIMEOUT)
    python = venv / "bin" / "python"
    site_packages = Path(step(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                              cwd=root).stdout.strip())
    # `import` lines of a .pth file run at start-up: this one adds our site-packages with its own .pth files
    # (the editable install of qualrules among them).
    (site_packages / "this-environment.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_path('purelib')!r})\n", encoding="utf-8")
    isolation = ["--no-build-isolation"] if builds_wheels_offline() else []
    installed = step(python, "-m", "pip", "install", "--quiet", "--no-deps", *isolation, root / PACKAGE, cwd=root)
    assert installed.returncode == 0, installed.stderr
    assert (site_packages / "cmi_qualrules" / "level5-management.qual").is_file()  # package data installed
    return python


@pytest.fixture
def qualrules(fresh_python, tmp_path):
    """qualrules(*args) -> the finished process, run by the fresh environment in a folder of its own."""
    def run(*args: str) -> subprocess.CompletedProcess:
        return step(fresh_python, "-c", "import sys; from qualrules.cli import main; sys.exit(main())", *args,
                    cwd=tmp_path)
    return run


def test_the_page_gives_every_file_of_the_package():
    assert set(documented_files()) == {f"{PACKAGE}/pyproject.toml", f"{PACKAGE}/cmi_qualrules/__init__.py",
                                       f"{PACKAGE}/cmi_qualrules/level5-management.qual"}


def test_list_shows_the_installed_plugin_beside_the_bundled_bodies(qualrules):
    listed = qualrules("list")
    assert (listed.returncode, listed.stderr) == (0, "")
    assert re.search(rf"^CMI  Chartered Management Institute  \(cmi-qualrules 1.0.0\)\n  {CMI_AWARD}  CMI Level 5 "
                     r"Award in Management and Leadership  \(level 5, 3 units\)$", listed.stdout, re.M), listed.stdout
    assert "ISP  Institute of Sales Professionals" in listed.stdout
    entries = json.loads(qualrules("list", "--format", "json").stdout)
    assert {"awarding_body": "CMI", "qan": CMI_AWARD, "title": "CMI Level 5 Award in Management and Leadership",
            "level": 5, "units": 3, "source": "CMI:level5-management.qual", "plugin": "cmi-qualrules 1.0.0"} in entries


def test_check_decides_under_the_plugin_s_result_policy(qualrules, tmp_path):
    (tmp_path / "records.csv").write_text(
        "learner,unit,result,achieved_on\n"
        "C1,501,recognition of prior learning,2024-05-01\n"  # CMI's own achieving result: 6 credits
        "C2,502,pass,2024-05-01\n"                           # 5 credits, one short
        "C2,503,referred,2024-06-01\n"
        "C2,501,not yet competent,2024-06-01\n", encoding="utf-8")  # CMI's own word that does not achieve
    checked = qualrules("check", "records.csv", "-q", CMI_AWARD, "--format", "json")
    assert checked.returncode == 1, checked.stderr  # C2 has not achieved
    verdicts = json.loads(checked.stdout)
    assert [(v["learner"], v["achieved"], v["credits"]) for v in verdicts] == [("C1", True, 6), ("C2", False, 5)]


def test_lint_bundled_lints_the_plugin_s_ruleset_with_the_others(qualrules):
    linted = qualrules("lint", "--bundled", "-v")
    assert linted.returncode == 0, linted.stdout
    assert (f"CMI:level5-management.qual:9:15: note[QR400]: {CMI_AWARD} can be achieved; the smallest claim is "
            "501 (6 credits)") in linted.stdout
    assert not re.search(r"^CMI:\S+: (error|warning)", linted.stdout, re.M)
    assert re.search(r"^0 errors, 0 warnings in 3 files \(12 allowed\)$", linted.stdout, re.M)
