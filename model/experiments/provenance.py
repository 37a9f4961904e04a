"""What made a results folder: the config hash, the code version and the versions of the packages that shape results."""

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from typing import Any

from model.core import jitcache
from model.inputs.paths import REPO, is_checkout


def config_hash(resolved: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the resolved config."""
    return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()

def input_hashes(config: dict[str, Any], resolved: dict[str, Any], version: str) -> dict[str, str]:
    """A hash of each thing that made the numbers, so `reproduce` can name which one changed: the experiment as
    written, the resolved values, the seeds (master and per replicate) and the code version."""
    seeds = {"seed": resolved.get("seed"), "seeds": resolved.get("seeds")}
    return {
        "config": config_hash(config),
        "resolved": config_hash(resolved),
        "seeds": config_hash(seeds),
        "code_version": config_hash({"code_version": version}),
    }


def code_version() -> str:
    """`git describe --always --dirty` of the project, or the package version outside a checkout."""
    if not is_checkout():
        return "package-" + metadata.version("disengage")
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True, timeout=10, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "package-" + metadata.version("disengage")

def code_dirty(version: str) -> bool | None:
    """Whether tracked files differed from the commit (git's "-dirty"); None outside a git checkout."""
    return None if version.startswith("package-") else version.endswith("-dirty")

def code_sources_hash() -> str:
    """Hash of the simulation's .py files (model/core, inputs, sim): tells two code states apart even when both
    are dirty or not in git, and is part of every run id, so an edit to a figure or the CLI keeps stored runs."""
    return jitcache.sources_hash()

def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape results."""
    out = {"python": platform.python_version()}
    for pkg in ("numpy", "numba", "mesa", "scipy", "matplotlib", "pyyaml"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out
