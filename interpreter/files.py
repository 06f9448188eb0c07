"""Replacing a file safely: the old file or the new one, never a part-written one, a lost edit or a lost input.

`write_atomically` writes the new text to a temporary file beside the target and renames it into place
(`replacing` does the same for output written piece by piece, text or bytes, such as a cohort's results). The
temporary file is created exclusively under an unpredictable name (so a link planted in the folder is never
followed), gets the target's mode, and its owner and group where the user may give them (root may; anyone
may keep a group they belong to; otherwise the file becomes the writer's). It is removed on any error and on
SIGINT, SIGTERM or SIGHUP. Nothing can catch SIGKILL: a killed run leaves `.NAME.PID.RANDOM.qualrules-tmp`,
which the next write of the same file removes once process PID has ended.

Some targets are refused with a coded `WriteRefused` rather than replaced: one that is also an input of the
command (QR620), a read-only file (QR621) or one with other hard links, which renaming would split from the
new text (QR623), both unless forced, a file changed since it was read (QR622), and anything but a regular
file, such as a device or a pipe (QR624).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import stat
import tempfile
import threading
from pathlib import Path
from typing import IO, Iterable, Iterator

import attrs

TEMPORARY_SUFFIX = ".qualrules-tmp"
FORCE_HINT = "give --force to replace it anyway"


@attrs.define
class WriteRefused(Exception):
    """A target that must not be replaced, with its diagnostic code."""

    code: str
    message: str
    hint: str


@attrs.frozen
class FileState:
    """What a file was when it was read, to tell whether anyone has written it since."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, status: os.stat_result, data: bytes) -> FileState:
        return cls(status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, hashlib.sha256(data).hexdigest())


def read_for_rewrite(path: Path) -> tuple[str, FileState, str]:
    """A UTF-8 text file's text, with newlines read as `Path.read_text` reads them, its state, and the line
    ending its first line break is written with ("\r\n" for a file saved on Windows), to write it back with."""
    with open(path, "rb") as handle:
        data = handle.read()
        state = FileState.of(os.fstat(handle.fileno()), data)
    first = re.search(rb"\r\n|\r|\n", data)
    line_end = first.group().decode() if first else "\n"
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"), state, line_end


def write_atomically(path: Path, text: str, *, inputs: Iterable[str | Path] = (),
                     unchanged_since: FileState | None = None, force: bool = False, line_end: str = "\n") -> None:
    """Replace `path` (a symbolic link is followed, not replaced) with `text`, its lines ended by `line_end`,
    refusing a target that is one of `inputs` or, when `unchanged_since` is given, that changed since. Raises
    `WriteRefused` or `OSError`."""
    with replacing(path, inputs=inputs, unchanged_since=unchanged_since, force=force) as handle:
        handle.write(text.replace("\n", line_end))


@contextlib.contextmanager
def replacing(path: Path, *, inputs: Iterable[str | Path] = (), unchanged_since: FileState | None = None,
              force: bool = False, binary: bool = False) -> Iterator[IO]:
    """A handle on the replacement of `path`, for output written piece by piece: UTF-8 text with `\n`
    newlines, or bytes when `binary`. The target is checked as `write_atomically` checks it before anything
    is written, and replaced only when the block ends without an exception; otherwise it is left as it was."""
    target = Path(os.path.realpath(path))
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None:
        _refuse_unsafe_target(target, existing, inputs, force)
    _remove_leftovers(target)
    temporary = None
    with _termination_raises():
        try:
            descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.",
                                                     suffix=TEMPORARY_SUFFIX, dir=target.parent)
            with (os.fdopen(descriptor, "wb") if binary else
                  os.fdopen(descriptor, "w", encoding="utf-8", newline="\n")) as handle:
                _take_owner_and_mode(handle.fileno(), existing)
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            if unchanged_since is not None:
                _refuse_if_changed(target, unchanged_since)
            os.replace(temporary, target)
        except BaseException:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)  # missing once renamed, if a signal came just after
            raise


def _refuse_unsafe_target(target: Path, existing: os.stat_result, inputs: Iterable[str | Path],
                          force: bool) -> None:
    if not stat.S_ISREG(existing.st_mode):
        raise WriteRefused("QR624", "it is not a regular file", "name a regular file, or one that does not exist")
    for given in inputs:
        # samefile sees through symbolic and hard links and every spelling of a path
        if os.path.exists(given) and os.path.samefile(given, target):
            raise WriteRefused("QR620", f"it is also an input of this command ({given}); writing it would destroy it",
                               "choose another output file")
    if force:
        return
    # Root may write any file, so a file no one may write counts as read-only as well.
    if not os.access(target, os.W_OK) or not existing.st_mode & 0o222:
        raise WriteRefused("QR621", "the file is read-only", f"make it writable, or {FORCE_HINT} (it stays read-only)")
    if existing.st_nlink > 1:
        raise WriteRefused("QR623", f"the file has {existing.st_nlink} hard links, and replacing it would leave "
                                    "the others with the old text",
                           f"{FORCE_HINT} (this name gets the new text, the other links keep the old)")


def _refuse_if_changed(target: Path, read: FileState) -> None:
    try:
        with open(target, "rb") as handle:
            data = handle.read()
            now = FileState.of(os.fstat(handle.fileno()), data)
    except FileNotFoundError:
        now = None
    if now != read:
        raise WriteRefused("QR622", "the file changed after it was read, so it was left as it is now",
                           "run the command again on the saved file")


def _take_owner_and_mode(descriptor: int, existing: os.stat_result | None) -> None:
    """The replaced file's owner, group and mode; a new file's mode as `open` would make it."""
    if existing is None:
        umask = os.umask(0o022)
        os.umask(umask)
        os.fchmod(descriptor, 0o666 & ~umask)
        return
    for owner, group in ((existing.st_uid, existing.st_gid), (-1, existing.st_gid)):
        try:
            os.fchown(descriptor, owner, group)
            break
        except PermissionError:
            continue
    os.fchmod(descriptor, stat.S_IMODE(existing.st_mode))  # after fchown, which clears set-id bits


def _remove_leftovers(target: Path) -> None:
    """Remove this user's temporary files for `target` left by runs that were killed (their process is gone)."""
    prefix = f".{target.name}."
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return  # the write itself reports a folder that cannot be read
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(TEMPORARY_SUFFIX)):
            continue
        pid = entry.name[len(prefix):].partition(".")[0]
        with contextlib.suppress(OSError):
            status = entry.stat(follow_symlinks=False)
            if pid.isdigit() and stat.S_ISREG(status.st_mode) and status.st_uid == os.getuid() \
                    and not _process_exists(int(pid)):
                os.unlink(entry.path)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


@contextlib.contextmanager
def _termination_raises() -> Iterator[None]:
    """While a temporary file exists, SIGTERM and SIGHUP raise SystemExit, so it is removed on the way out
    (SIGINT raises KeyboardInterrupt already). Handlers a program installed itself are left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may install handlers
        return
    replaced = {}
    for number in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(number) is signal.SIG_DFL:
            replaced[number] = signal.signal(number, _exit_on_signal)
    try:
        yield
    finally:
        for number, handler in replaced.items():
            signal.signal(number, handler)


def _exit_on_signal(number: int, frame) -> None:
    raise SystemExit(128 + number)  # the status a shell reports for a process the signal ended
