"""The user's own cache folder, where qualrules keeps what it would otherwise work out on every run: the
parser's tables (`grammar.parser`) and the bundled rulesets built (`ruleset_cache`).

Both are read back with pickle, which runs whatever code a file names, so the folder is used only where no
one but the user can write to it.
"""

from __future__ import annotations

import os


def cache_folder() -> str | None:
    """`$XDG_CACHE_HOME/qualrules` (by default `~/.cache/qualrules`), made if need be; None where there is
    none that only the user can write."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "qualrules")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return None
    if not hasattr(os, "getuid") or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None
    return folder
