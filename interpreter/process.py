"""Settings for the processes qualrules owns: the command line's own, and the workers of a check.

Both change the whole process, so they are made only there, never in a program that calls the library.
"""

from __future__ import annotations

import ctypes
import importlib.abc
import importlib.util
import sys

# glibc's mallopt parameter for the memory kept at the top of the heap when it grows or is trimmed.
_M_TOP_PAD = -2
KEPT_FREE_BYTES = 64 << 20


def keep_freed_memory() -> None:
    """Have glibc's allocator keep up to KEPT_FREE_BYTES of freed memory rather than hand it back to the
    kernel. Deciding a block makes numpy temporaries megabytes long; a worker that gives them back faults
    them in again on the next block, which took a quarter of a two-worker check's time. Nothing happens
    with another C library."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_TOP_PAD, KEPT_FREE_BYTES)


def hide_pandas_from_pyarrow() -> None:
    """When pyarrow is first imported, have it look for pandas with pandas hidden. pyarrow imports pandas,
    whenever it is installed (OR-Tools brings it), on its first conversion of any Python value, which costs
    a third of a second; the command line never hands pyarrow a pandas object. pandas stays importable for
    everything else (OR-Tools' CP-SAT, a plugin)."""
    if "pyarrow" not in sys.modules:
        sys.meta_path.insert(0, _PyarrowFinder())


class _PyarrowFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "pyarrow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _PandasHiddenLoader(spec.loader)
        return spec


class _PandasHiddenLoader(importlib.abc.Loader):
    """pyarrow's own loader, then pyarrow's one look for pandas made while pandas cannot be imported."""

    def __init__(self, loader: importlib.abc.Loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        # pyarrow's first conversion, when it looks for pandas once and for all (a pyarrow without
        # `scalar` is only not spared the look).
        convert = getattr(module, "scalar", None)
        if convert is None:
            return
        refusal = _RefusePandas()
        sys.meta_path.insert(0, refusal)
        try:
            convert("")
        finally:
            sys.meta_path.remove(refusal)


class _RefusePandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            raise ImportError("pandas is hidden from pyarrow's look for it")
        return None
