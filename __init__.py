"""qualrules: a rules language and exact interpreter for the rules of combination of qualifications."""

import sys
import traceback

__version__ = "0.1.0"


def run() -> None:
    """The `qualrules` command, in a process of its own (`interpreter.process`). Ctrl-C while the command line
    is still being imported ends it as quietly as the command's own guard does later (`cli._GuardedGroup`),
    and a failure to import it is an internal error (QR900, status 3), as later, not a traceback."""
    try:
        from qualrules.interpreter import process

        process.remember_interrupts()
        process.keep_freed_memory()
        process.hide_pandas_from_pyarrow()
        from qualrules.cli import main
    except KeyboardInterrupt:
        print("qualrules: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as error:  # qualrules' own code cannot be loaded: an installation broken, or a bug
        if "--debug" in sys.argv[1:]:
            traceback.print_exc()
        print(f"error[QR900]: internal error: {type(error).__name__}: {error}\n     = help: qualrules could not "
              "start; reinstall it, or report this message to its maintainers (`qualrules --debug` shows where)",
              file=sys.stderr)
        raise SystemExit(3) from None
    main()
