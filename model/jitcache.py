"""Where numba keeps compiled code: a folder named by a hash of the model's sources.

numba's own cache checks only the file that defines a function, so a kernel
compiled against yesterday's rules would be reused after a rule changed in
another file. Keying the folder by every source file of the package makes any
edit start from a fresh cache. Set before any @njit(cache=True) is decorated.
"""

import hashlib
import os
from pathlib import Path

import numba


def sources_hash(package_dir: Path) -> str:
    """sha256 over the names and bytes of the package's .py files, in a stable order."""
    h = hashlib.sha256()
    for path in sorted(package_dir.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def configure(package_dir: Path) -> Path:
    """Point numba's cache at <base>/numba-<hash>; base is $NUMBA_CACHE_DIR or ~/.cache/disengage."""
    base = Path(os.environ.get("NUMBA_CACHE_DIR") or Path.home() / ".cache" / "disengage")
    folder = base / f"numba-{sources_hash(package_dir)}"
    numba.config.CACHE_DIR = str(folder)
    return folder
