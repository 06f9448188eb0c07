"""docs/criteria.md's examples are real: its catalogue builds, and each Python block marked `<!-- run -->`,
run in order in one namespace beside that catalogue (saved as `catalogue.qual`), prints exactly the ```text
block that follows it (CSV's CRLF line ends read as newlines)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.engine.compiler import compile_ruleset

DOC = Path(__file__).resolve().parents[1] / "docs" / "criteria.md"
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
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    runs = [k for k, (marker, lang, _) in enumerate(found) if marker == "run"]
    assert len(runs) == 3
    for k in runs:
        assert (found[k][1], found[k + 1][1]) == ("python", "text")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(found[k][2], f"docs/criteria.md block {k}", "exec"), namespace)
        assert printed.getvalue().replace("\r\n", "\n") == found[k + 1][2]
