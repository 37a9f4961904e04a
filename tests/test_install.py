"""A non-editable install runs anywhere: it carries params/, answers --version and runs an experiment from
another directory (with numba's JIT off, so the test does not spend a minute compiling a second copy)."""

import json
import os
import subprocess
import sys

import yaml

from .conftest import REPO

TINY = {
    "name": "tiny",
    "place": "wigan",
    "scale": 0.002,
    "months": 14,
    "burn_in_months": 2,
    "scenarios": ["baseline", "national_sui_mandate"],
    "replicates": 1,
    "seed": 3,
}


def test_installed_copy_runs_an_experiment_from_another_directory(tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(REPO)],
        check=True,
        timeout=600,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "tiny.yaml").write_text(yaml.safe_dump(TINY), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site), "NUMBA_DISABLE_JIT": "1", "PYTHONWARNINGS": "ignore"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600
        )

    where = run("-c", "import model.inputs.paths as p; print(p.__file__); print(p.DEFAULT_PARAMS_DIR)")
    module_file, params_dir = where.stdout.split()
    assert module_file.startswith(str(site)) and params_dir == str(site / "model" / "params"), where.stdout
    version = run("-m", "model.cli", "--version")
    assert version.returncode == 0 and version.stdout.startswith("disengage "), version.stdout + version.stderr
    done = run("-m", "model.cli", "run", "tiny.yaml", "--out", "out", "--quiet")
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((elsewhere / "out" / "manifest.json").read_text())
    assert manifest["code_version"].startswith("package-"), "an installed copy must not describe a git checkout"
    assert (elsewhere / "out" / "effects.csv").read_text().count("\n") > 1
