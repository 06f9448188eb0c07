"""The installed plugins' rulesets, built once and kept between runs: every command reads them, and reading
one built before takes a few milliseconds where parsing and building it take tens.

Each ruleset has one file in the user's cache folder (`user_cache`), holding what it was built from (the
ruleset's name and text, the code that builds rulesets, as Python's own bytecode cache tells its sources:
by each file's size and time of change, and the Python and Lark versions) and the ruleset built. A file
built from anything else, unreadable or torn, is built afresh and written again; a ruleset with errors is
never kept, so its errors are reported on every run.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

from qualrules.interpreter import model as m
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.user_cache import cache_folder

# The folders of the package whose code decides what a ruleset is built into.
_BUILDING_CODE = ("grammar", "interpreter")


def built_ruleset(text: str, name: str) -> m.Ruleset:
    """`build_ruleset(text, name)`, read from the cache when it was built before from the same text by the
    same code; raises DiagnosticError as `build_ruleset` does."""
    folder = cache_folder()
    if folder is None:
        return build_ruleset(text, name)
    path = os.path.join(folder, f"ruleset-{hashlib.sha256(name.encode()).hexdigest()[:16]}.pickle")
    key = _key(text, name)
    try:
        with open(path, "rb") as handle:
            kept_key, ruleset = pickle.load(handle)
        if kept_key == key and isinstance(ruleset, m.Ruleset):
            return ruleset
    # Unpickling a torn or foreign file can raise nearly anything; each such file is only built afresh.
    except Exception:
        pass
    ruleset = build_ruleset(text, name)
    _write(path, (key, ruleset))
    return ruleset


def _key(text: str, name: str) -> str:
    digest = hashlib.sha256()
    for part in (_code_stamp(), name, text):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@functools.cache
def _code_stamp() -> str:
    """What the code that builds rulesets is, as the size and time of change of each of its files."""
    import lark

    package = Path(__file__).resolve().parents[1]
    files = sorted(path for folder in _BUILDING_CODE for pattern in ("*.py", "*.lark")
                   for path in (package / folder).rglob(pattern))
    stamps = [f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}"
              for path in files for info in [path.stat()]]
    return "\n".join([sys.version, lark.__version__, *stamps])


def _write(path: str, entry: tuple) -> None:
    """Write the entry whole or not at all (another run may be reading the file); a cache that cannot be
    written is only not kept."""
    try:
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".ruleset-")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(entry, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
