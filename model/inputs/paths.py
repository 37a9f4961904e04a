"""Where the project's own files are: the shipped parameter folder and, in a checkout, the repository.

A wheel carries `params/` inside the package (`model/params/`); a checkout or an
editable install reads the repository's `params/` folder. Either way every
loader gets one folder, DEFAULT_PARAMS_DIR.
"""

from importlib import resources
from pathlib import Path

from model.inputs import config
from model.inputs.errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO = PACKAGE_DIR.parent  # the checkout holding model/, when there is one


def is_checkout() -> bool:
    """True when the package runs from a source checkout (this file under REPO/model/)."""
    return (REPO / "pyproject.toml").is_file() and (REPO / "params" / "default.yaml").is_file()


def default_params_dir() -> Path:
    """The parameter folder shipped with the package, else the checkout's params/."""
    shipped = Path(str(resources.files("model"))) / "params"
    if (shipped / "default.yaml").is_file():
        return shipped
    return REPO / "params"


DEFAULT_PARAMS_DIR = default_params_dir()


def resolve_ref(ref: str, kind: str, params_dir: Path, base: Path) -> Path:
    """A scenario or place given by name (params/<kind>/<name>.yaml) or by path (relative to `base` if not found)."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        p = Path(ref)
        return p if p.is_absolute() or p.exists() else base / p
    return params_dir / kind / f"{ref}.yaml"


KIND_WORDS = {"places": "place", "scenarios": "scenario"}


def existing_ref(file: str, field: str, ref: str, kind: str, params_dir: Path, base: Path) -> Path:
    """The file a place or scenario reference names (`resolve_ref`), or an error naming the field, with the
    nearest names in params/<kind>/ as a hint."""
    path = resolve_ref(ref, kind, params_dir, base)
    if not config.is_file(path):
        hint = config.did_you_mean(ref, [p.stem for p in (params_dir / kind).glob("*.yaml")])
        raise InputError(file, field, f"a {KIND_WORDS[kind]} name in params/{kind}/ or a path to one{hint}", ref)
    return path
