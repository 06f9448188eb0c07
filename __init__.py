"""qualrules: a rules language and exact interpreter for the rules of combination of qualifications."""

import sys

__version__ = "0.1.0"


def run() -> None:
    """The `qualrules` command, in a process of its own (`interpreter.process`). Ctrl-C while the command line
    is still being imported ends it as quietly as the command's own guard does later (`cli._GuardedGroup`),
    not with a traceback."""
    try:
        from qualrules.interpreter import process

        process.remember_interrupts()
        process.keep_freed_memory()
        process.hide_pandas_from_pyarrow()
        from qualrules.cli import main
    except KeyboardInterrupt:
        print("qualrules: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    main()
