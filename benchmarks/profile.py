"""Where the kernel's time goes, line by line: the compiled household loop sampled by Linux `perf`.

    python -m benchmarks.profile [--scenario national_sui_mandate] [--place wigan] [--months 120] [--top 30]

Compiles the kernel once with numba's debug line information into a fresh cache (a few minutes: compiling
is slower with it), runs it on one thread under `perf record`, and gives each source line the share of
the samples that fell in `kernel.step_chunk` (every rule is inlined there). numba names inlined lines
after the kernel's file but keeps their own line numbers, so each line is shown with its text in every
file of model/core long enough to hold it; the text tells which. Needs `perf` and `objdump`.
"""

import argparse
import bisect
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "model" / "core"
SOURCES = (  # where a line of the household loop can come from: the month (step.py), its processes, rules, draws
    "step.py",
    "demography.py",
    "social.py",
    "awareness.py",
    "engagement.py",
    "contacts.py",
    "education.py",
    "schedule.py",
    "keys.py",
    "rules.py",
    "rng.py",
    "kernel.py",
)
CHILD = """
import sys
from benchmarks import kernel as bk
from model.core.kernel import run_kernel, step_chunk
bk.SCENARIO = sys.argv[1]
P, SEGP, flows, n, build = bk.setup(1.0, sys.argv[2])
run_kernel(build(), P, SEGP, flows, 1, 1)  # compile
cres = next(iter(step_chunk.overloads.values()))
open(sys.argv[4] + '/loop.o', 'wb').write(cres.library._get_compiled_object())  # numba's own (private) object code
name = cres.fndesc.llvm_func_name
open(sys.argv[4] + '/loop.addr', 'w').write(f"{name} {cres.library.get_pointer_to_function(name)}")
run_kernel(build(), P, SEGP, flows, int(sys.argv[3]), 1)
"""


def record(folder: Path, scenario: str, place: str, months: int) -> None:
    """Run the kernel under perf in a child process with debug information and an empty compile cache."""
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "NUMBA_DEBUGINFO": "1", "NUMBA_CACHE_DIR": str(folder / "cache")}
    cmd = ["perf", "record", "-q", "-o", str(folder / "perf.data"), sys.executable, "-c", CHILD]
    subprocess.run([*cmd, scenario, place, str(months), str(folder)], check=True, env=env, capture_output=True)


def loop_samples(folder: Path) -> tuple[collections.Counter, int]:
    """Samples in the household loop by offset from its start, and all samples of the run."""
    name, addr = (folder / "loop.addr").read_text().split()
    sizes = subprocess.run(["nm", "-S", str(folder / "loop.o")], capture_output=True, text=True, check=True).stdout
    size = next(int(line.split()[1], 16) for line in sizes.splitlines() if line.endswith(" " + name))
    ips = subprocess.run(
        ["perf", "script", "-i", str(folder / "perf.data"), "-F", "ip"], capture_output=True, text=True, check=True
    ).stdout.split()
    start, offsets = int(addr), collections.Counter()
    for ip in ips:
        off = int(ip, 16) - start
        if 0 <= off < size:
            offsets[off] += 1
    return offsets, len(ips)


def line_map(folder: Path) -> list[tuple[int, int]]:
    """(offset, source line) of each instruction of the object code, in address order."""
    cmd = ["objdump", "-d", "-l", "--no-show-raw-insn", str(folder / "loop.o")]
    asm = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    out, line = [], 0
    for text in asm.splitlines():
        if m := re.match(r"^/\S+:(\d+)", text):
            line = int(m.group(1))
        elif m := re.match(r"^\s+([0-9a-f]+):", text):
            out.append((int(m.group(1), 16), line))
    return out


def by_line(offsets: collections.Counter, lines: list[tuple[int, int]]) -> collections.Counter:
    """Samples per source line: each sampled offset goes to the line of the instruction at or before it."""
    starts = [o for o, _ in lines]
    out: collections.Counter = collections.Counter()
    for off, n in offsets.items():
        out[lines[max(bisect.bisect_right(starts, off) - 1, 0)][1]] += n
    return out


def candidates(line: int, texts: dict[str, list[str]]) -> str:
    """The text at `line` in each source file long enough to hold it."""
    found = [f"{name}: {lines[line - 1].strip()[:70]}" for name, lines in texts.items() if 0 < line <= len(lines)]
    return " | ".join(found) or "(no source line)"


def main() -> None:
    """Print the household loop's hottest source lines."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="national_sui_mandate")
    ap.add_argument("--place", default="wigan")
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    for tool in ("perf", "objdump", "nm"):
        if shutil.which(tool) is None:
            sys.exit(f"benchmarks.profile needs `{tool}` on the PATH")
    texts = {name: (CORE / name).read_text(encoding="utf-8").splitlines() for name in SOURCES}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        record(folder, args.scenario, args.place, args.months)
        offsets, total = loop_samples(folder)
        lines = by_line(offsets, line_map(folder))
    in_loop = sum(lines.values())
    print(f"{args.place}, {args.scenario}, {args.months} months, 1 thread: {in_loop} of {total} samples in the loop")
    for line, n in lines.most_common(args.top):
        print(f"{100 * n / in_loop:5.1f}%  line {line:4d}  {candidates(line, texts)}")


if __name__ == "__main__":
    main()
