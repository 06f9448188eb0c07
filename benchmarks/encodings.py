"""How `qualrules check` reads a cohort CSV file saved in each encoding it reads, with figures printed rather
than asserted: the file in UTF-8, in Windows-1252 (as Excel on Windows saves CSV; told from its bytes, and
transcoded as the streamed reader reads it) and in UTF-16 with a byte-order mark (Excel's "Unicode Text",
with tabs), each checked in blocks as `check` does, and the Windows-1252 file read whole first and then
checked, for comparison.

Each measurement runs in a fresh process, one worker (`--jobs 1`), so the figures compare the readers
alone: wall seconds, peak RSS, and the ratio to the UTF-8 file's check.

Usage: python benchmarks/encodings.py [--learners 100000] [--seed 2024] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from qualrules.interpreter.library import Library

from cohort import ISP_CERTIFICATE, write_csv

# One measurement: what the path reads, how long it took and the process's peak RSS.
MEASURE = """import resource, sys, time
from pathlib import Path
from qualrules.interpreter import cohort
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.readers import read_records
library = Library.load()
vocabulary = library.vocabulary()
path, how = Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
source = path if how == "blocks" else read_records(path, vocabulary)
opened = cohort.open_cohort(source, vocabulary)
settings = cohort.CheckSettings((sys.argv[3],), "json")
learners = sum(block.learners for block in cohort.check_blocks(opened, settings, library, vocabulary, 1))
streamed = opened.streamed
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, learners, streamed)
"""


def measure(path: Path, how: str, repeat: int) -> tuple[float, float, int, bool]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", MEASURE, str(path), how, ISP_CERTIFICATE], capture_output=True,
                             text=True, check=True).stdout.split()
        runs.append((float(out[0]), float(out[1]), int(out[2]), out[3] == "True"))
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[0][2], runs[0][3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        utf8 = Path(folder, "utf-8.csv")
        write_csv(Library.load(), utf8, args.learners, args.seed)
        # The first learner with an accented id, so the Windows-1252 file is not UTF-8 as well.
        text = utf8.read_text(encoding="utf-8")
        first = text.split("\n", 2)[1].split(",")[0]
        text = text.replace(f"\n{first},", f"\né{first},")
        utf8.write_text(text, encoding="utf-8")
        cp1252, utf16 = Path(folder, "cp1252.csv"), Path(folder, "utf-16.csv")
        cp1252.write_bytes(text.encode("cp1252"))
        utf16.write_bytes(text.replace(",", "\t").encode("utf-16"))
        print(f"{args.learners:,} learners, {text.count(chr(10)) - 1:,} rows; medians of {args.repeat} runs, "
              "each in a fresh process, one worker")
        print(f"  {'file':<14} {'read':<8} {'MiB':>7} {'wall s':>8} {'× UTF-8':>8} {'peak MiB':>9} {'streamed':>9}")
        base = None
        for path, how in ((utf8, "blocks"), (cp1252, "blocks"), (utf16, "blocks"), (cp1252, "whole")):
            wall, peak, learners, streamed = measure(path, how, args.repeat)
            base = base or wall
            assert learners == args.learners, f"{path.name}: {learners} learners read"
            print(f"  {path.name:<14} {how:<8} {path.stat().st_size / 2**20:>7.1f} {wall:>8.2f} {wall / base:>8.2f} "
                  f"{peak:>9.0f} {'yes' if streamed else 'no':>9}", flush=True)


if __name__ == "__main__":
    main()
