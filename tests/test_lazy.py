"""OR-Tools and numpy load on the first claim search, not on every command."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from qualrules.interpreter.lazy import lazy_module


def test_the_command_line_starts_without_loading_the_solver_library():
    # A lazily imported module is registered at once but runs only when first used.
    probe = ("import sys, importlib.util, qualrules.cli; "
             "ran = lambda name: name in sys.modules and not isinstance(sys.modules[name], importlib.util._LazyModule); "
             "print(ran('pandas'), ran('numpy'), ran('ortools.sat.python.cp_model'))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False", "False"]


def test_a_lazy_module_runs_on_first_use(tmp_path, monkeypatch):
    (tmp_path / "noisy_module.py").write_text(textwrap.dedent("""
        import builtins
        builtins.noisy_module_ran = True
        VALUE = 42
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    import builtins

    module = lazy_module("noisy_module")
    assert not getattr(builtins, "noisy_module_ran", False)
    assert module.VALUE == 42
    assert builtins.noisy_module_ran
    del builtins.noisy_module_ran
    monkeypatch.delitem(sys.modules, "noisy_module")


def test_a_lazy_submodule_is_found_through_its_package(tmp_path, monkeypatch):
    package = tmp_path / "lazy_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "heavy.py").write_text("VALUE = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = lazy_module("lazy_package.heavy")
    import lazy_package

    assert lazy_package.heavy is module
    assert lazy_package.heavy.VALUE == 7
    for name in ("lazy_package.heavy", "lazy_package"):
        monkeypatch.delitem(sys.modules, name)


def test_the_command_checks_a_cohort_without_loading_pandas_and_leaves_it_importable(tmp_path):
    pytest.importorskip("pandas")
    records = tmp_path / "cohort.csv"
    records.write_text("learner,unit,result,achieved_on\nL1,L3B1,pass,2024-01-10\nL1,L3B2,pass,2024-02-10\n")
    # As the console script runs: `qualrules.run` owns the process (`interpreter.process`).
    probe = textwrap.dedent(f"""
        import sys
        from qualrules import run
        sys.argv = ["qualrules", "check", {str(records)!r}, "-q", "610/3788/6", "--format", "json"]
        try:
            run()
        except SystemExit:
            pass
        loaded_by_check = "pandas" in sys.modules
        import pandas, pyarrow
        frame = pyarrow.Table.from_pandas(pandas.DataFrame({{"learner": ["L1"]}})).to_pandas()
        print(loaded_by_check, list(frame["learner"]), file=sys.stderr)
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    verdict, = json.loads(result.stdout)
    assert (verdict["learner"], verdict["status"], verdict["units"]) == ("L1", "not achieved", ["L3B1", "L3B2"])
    assert result.stderr.split() == ["False", "['L1']"]
