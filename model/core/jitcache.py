"""Where numba keeps compiled code: a folder named by a hash of the simulation's sources.

numba's own cache checks only the file that defines a function, so a kernel
compiled against yesterday's rules would be reused after a rule changed in
another file. Keying the folder by every source file of the simulation (the
rooms in SIMULATION_ROOMS, recursively) makes any edit to them start from a
fresh cache; an edit to a figure, the report or the CLI does not. The same hash
is part of every run id (model/experiments/store.py). Set before any
@njit(cache=True) is decorated.
"""

import hashlib
import os
from pathlib import Path

import numba

SIMULATION_ROOMS = ("core", "inputs", "sim")  # subpackages of model/ whose code decides a run's counters
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def simulation_sources(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Every .py file of the simulation rooms, in a stable order."""
    return sorted(p for room in SIMULATION_ROOMS for p in (package_dir / room).rglob("*.py"))


def sources_hash(package_dir: Path = PACKAGE_DIR) -> str:
    """sha256 over the relative paths and bytes of the simulation's .py files."""
    h = hashlib.sha256()
    for path in simulation_sources(package_dir):
        h.update(path.relative_to(package_dir).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def configure(package_dir: Path = PACKAGE_DIR) -> Path:
    """Point numba's cache at <base>/numba-<hash>; base is $NUMBA_CACHE_DIR or ~/.cache/disengage."""
    base = Path(os.environ.get("NUMBA_CACHE_DIR") or Path.home() / ".cache" / "disengage")
    folder = base / f"numba-{sources_hash(package_dir)}"
    numba.config.CACHE_DIR = str(folder)
    return folder
