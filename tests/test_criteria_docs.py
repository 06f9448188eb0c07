"""docs/criteria.md's journey examples are real. Each block marked `<!-- run -->` prints exactly the ```text
block that follows it: a ```python block run in order in one namespace beside the page's catalogue (saved as
`catalogue.qual`), a ```sh block (one `qualrules` command) run beside the ```csv block before it (saved as
`log.csv`) and the repository's examples/, its standard output and error together. A ```text block marked
`<!-- file: NAME -->` is what the last command wrote to NAME (CSV's CRLF line ends read as newlines). The
page's record examples are also read by tests/test_docs.py."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.engine.compiler import compile_ruleset

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "criteria.md"
BLOCK = re.compile(r"(?:^<!-- (?P<marker>[^\n]+?) -->\n)?^```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.M | re.S)


def blocks() -> list[tuple[str | None, str, str]]:
    return [(m["marker"], m["lang"], m["body"]) for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))]


def test_the_catalogue_builds():
    [catalogue] = [body for marker, lang, body in blocks() if marker == "catalogue.qual"]
    assert len(compile_ruleset(build_ruleset(catalogue, "catalogue.qual"))) == 1


def test_every_example_prints_what_the_page_shows(tmp_path, monkeypatch):
    found = blocks()
    [catalogue] = [body for marker, lang, body in found if marker == "catalogue.qual"]
    (tmp_path / "catalogue.qual").write_text(catalogue, encoding="utf-8")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    ran = {"python": 0, "sh": 0, "file": 0}
    for k, (marker, lang, body) in enumerate(found):
        if lang == "csv":
            (tmp_path / "log.csv").write_text(body, encoding="utf-8")
        if marker is not None and marker.startswith("file: "):
            # A CSV file the command writes starts with a byte order mark, which the page does not show.
            written = (tmp_path / marker.removeprefix("file: ")).read_text(encoding="utf-8-sig")
            assert written.replace("\r\n", "\n") == body
            ran["file"] += 1
        if marker != "run":
            continue
        assert found[k + 1][1] == "text"
        if lang == "python":
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(body, f"docs/criteria.md block {k}", "exec"), namespace)
            output = printed.getvalue()
        else:
            program, *arguments = shlex.split(body)
            assert (lang, program) == ("sh", "qualrules")
            output = CliRunner().invoke(main, ["--no-color", *arguments]).output
        assert output.replace("\r\n", "\n") == found[k + 1][2]
        ran[lang] += 1
    assert ran == {"python": 3, "sh": 2, "file": 1}
