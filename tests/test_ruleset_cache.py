"""The installed plugins' rulesets, built once and read back from the user's cache folder: a ruleset read
back is the ruleset built afresh, and anything else (another text, other code, a torn file, a folder others
can write) is built afresh."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qualrules.interpreter import ruleset_cache
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.library import Library

RULESET = (Path(ruleset_cache.__file__).parents[1] / "rulesets" / "isp" / "professional-sales-l3.qual").read_text(
    encoding="utf-8")
NAME = "professional-sales-l3.qual"


def kept_rulesets(cache: Path) -> list[Path]:
    """The rulesets kept (the parser's tables are kept in the same folder)."""
    return sorted(cache.glob("ruleset-*.pickle"))


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "qualrules"


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    """The names of the rulesets built afresh."""
    built: list[str] = []

    def build(text: str, name: str):
        built.append(name)
        return build_ruleset(text, name)

    monkeypatch.setattr(ruleset_cache, "build_ruleset", build)
    return built


def test_a_ruleset_built_once_is_read_back_as_built(cache, builds):
    first = ruleset_cache.built_ruleset(RULESET, NAME)
    again = ruleset_cache.built_ruleset(RULESET, NAME)
    assert builds == [NAME]
    assert again == first == build_ruleset(RULESET, NAME)
    assert again is not first
    (kept,) = kept_rulesets(cache)
    assert os.stat(kept).st_mode & 0o077 == 0  # the user's alone


def test_another_text_or_other_code_is_built_afresh(cache, builds, monkeypatch):
    ruleset_cache.built_ruleset(RULESET, NAME)
    changed = RULESET.replace('"ISP Level 3 Certificate in Professional Sales"', '"Another title"')
    rebuilt = ruleset_cache.built_ruleset(changed, NAME)
    assert next(q.title for q in rebuilt.qualifications if q.qan == "610/3788/6") == "Another title"
    monkeypatch.setattr(ruleset_cache, "_code_stamp", lambda: "the builder changed")
    ruleset_cache.built_ruleset(changed, NAME)
    assert builds == [NAME] * 3
    assert len(kept_rulesets(cache)) == 1  # one file for each ruleset, whatever it was built from


def test_a_torn_file_is_built_afresh_and_written_again(cache, builds):
    ruleset_cache.built_ruleset(RULESET, NAME)
    (kept,) = kept_rulesets(cache)
    kept.write_bytes(kept.read_bytes()[:1000])
    assert ruleset_cache.built_ruleset(RULESET, NAME) == build_ruleset(RULESET, NAME)
    ruleset_cache.built_ruleset(RULESET, NAME)
    assert builds == [NAME, NAME]


def test_nothing_is_kept_where_others_can_write_or_for_a_ruleset_with_errors(cache, builds):
    cache.mkdir(mode=0o700)
    os.chmod(cache, 0o777)
    ruleset_cache.built_ruleset(RULESET, NAME)
    assert kept_rulesets(cache) == []
    os.chmod(cache, 0o700)
    for _ in range(2):
        with pytest.raises(DiagnosticError):
            ruleset_cache.built_ruleset("qualification 1 nonsense\n", "broken.qual")
    assert kept_rulesets(cache) == []
    assert builds == [NAME, "broken.qual", "broken.qual"]


def test_the_library_read_from_the_cache_is_the_library_built_afresh(cache, builds):
    fresh = Library.load()
    kept = Library.load()
    assert len(builds) == len(kept_rulesets(cache)) == len(fresh.rulesets) > 1
    assert [entry.ruleset for entry in kept.rulesets] == [entry.ruleset for entry in fresh.rulesets]
    assert sorted(kept.qualifications) == sorted(fresh.qualifications)
