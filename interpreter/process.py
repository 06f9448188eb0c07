"""Settings for the processes qualrules owns: the command line's own, and the workers of a check.

Both change the whole process, so they are made only there, never in a program that calls the library.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.abc
import importlib.util
import signal
import sys
import threading
from typing import Iterator

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


_interrupted = False
_deferring = 0  # how many `interrupts_deferred` blocks are running
# Seconds after which an interrupt that came during an import is tried again.
INTERRUPT_RETRY = 0.05


def remember_interrupts() -> None:
    """Ctrl-C raises KeyboardInterrupt, as ever, but never inside an import, and is remembered
    (`was_interrupted`). A KeyboardInterrupt raised while a C extension is imported (numpy, pyarrow) is made
    an ImportError by the extension, and the module left half-imported fails later with AttributeError, so
    it is raised once the import is over. A handler a program installed itself is left alone."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)


def _interrupt(number: int, frame) -> None:
    global _interrupted
    _interrupted = True
    if _deferring or _importing(frame):
        # Sent to the main thread, so that a call it is blocked in then returns, as for the first.
        threading.Timer(INTERRUPT_RETRY, signal.pthread_kill,
                        (threading.main_thread().ident, signal.SIGINT)).start()
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C within is raised once the block is over (with `remember_interrupts`): for what an interrupt
    would leave broken, as a pool of workers half started, which no one then tells to end."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1


def _importing(frame) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib."):
            return True
        frame = frame.f_back
    return False


def was_interrupted() -> bool:
    """Whether Ctrl-C was pressed since `remember_interrupts`."""
    return _interrupted


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
