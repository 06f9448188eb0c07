"""The parser's tables kept between runs: in the user's own cache folder only, and read back into a parser that
reads rulesets as one built afresh does."""

from __future__ import annotations

import os
from pathlib import Path

from qualrules.grammar import parser
from qualrules.grammar.parser import parser_cache

GRAMMAR = (Path(parser.__file__).parent / "qual.lark").read_text(encoding="utf-8")
RULESET = (Path(parser.__file__).parents[1] / "rulesets" / "isp" / "professional-sales-l3.qual").read_text(encoding="utf-8")


def test_the_cache_is_a_file_in_a_folder_only_the_user_can_write(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    found = parser_cache(GRAMMAR)
    assert Path(found).parent == tmp_path / "qualrules"
    assert os.stat(tmp_path / "qualrules").st_mode & 0o777 == 0o700
    assert parser_cache(GRAMMAR + "\n") != found  # another grammar, another file


def test_no_cache_where_others_could_write_it_or_there_is_no_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "qualrules").mkdir(mode=0o700)
    os.chmod(tmp_path / "qualrules", 0o777)
    assert parser_cache(GRAMMAR) is False
    (tmp_path / "file").write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert parser_cache(GRAMMAR) is False


def test_a_parser_read_from_the_cache_parses_as_one_built_afresh(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parser.lark_parser.cache_clear()
    try:
        built = parser.parse(RULESET, "professional-sales-l3.qual")
        cache = Path(parser_cache(GRAMMAR))
        written = cache.stat().st_mtime_ns
        parser.lark_parser.cache_clear()
        loaded = parser.parse(RULESET, "professional-sales-l3.qual")
        assert cache.stat().st_mtime_ns == written  # read, not built and written again
    finally:
        parser.lark_parser.cache_clear()
    assert (loaded.tree, loaded.comments, loaded.diagnostics) == (built.tree, built.comments, built.diagnostics)
    assert loaded.tree is not None and loaded.comments
