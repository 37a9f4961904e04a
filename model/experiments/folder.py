"""A results folder proves the project made it, and the project touches nothing in it that it did not write.

DIR/store/written.json is the folder's marker and its record: written as the folder is made, it names every
file the project has placed in the folder with the sha256 of its bytes. A file counts as the project's only
when its name and hash are recorded there (a run file in store/runs/ carries its own run id and checksum
instead), so `--force-new` and a resume remove or replace nothing a user put in the folder, even under a name
the project uses. No symbolic link at a place the project writes is followed: the folder is refused with one
line naming the link, before anything is written.
"""

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from model.inputs.errors import InputError

STORE = "store"
MARKER = "written.json"  # store/written.json: the marker and the record of written files
MADE_BY = "disengage"
LOCK = "lock"
TMP_SUFFIX = ".tmp"
STAGE = ".tables.partial"  # prefix of the side folders a run builds tables, figures and the report in
MANIFEST = "manifest.json"
MEASLES_COMMUNITIES = "measles_communities.csv"  # an experiment with `measles:`: one row per run and community
# The files a run stages and publishes at the top of a results folder.
STAGED_TOP = ("manifest.json", "runs.csv", "timeseries.csv", "effects.csv", "report.html", "sensitivity.csv",
              MEASLES_COMMUNITIES)  # fmt: skip
# Where the project writes at the top of a results folder; symbolic links there are refused.
TOP_NAMES = (*STAGED_TOP, "failures.jsonl", "figures", STORE)
# What a folder made before the marker existed is taken to hold of the project's, once, when first reopened.
LEGACY_FILES = (
    "manifest.json", "runs.csv", "timeseries.csv", "effects.csv", "report.html", "sensitivity.csv",
    "failures.jsonl", "figures/*.png", "figures/*.svg", "figures/*.csv", f"{STORE}/config.json",
    f"{STORE}/plan.json", f"{STORE}/quarantine/*.parquet",
)  # fmt: skip
EMPTY_DIRS = ("figures", f"{STORE}/runs", f"{STORE}/quarantine")  # removed by --force-new when left empty
SHOWN = 5  # files named in a line saying what was left


def sha256_of(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_plain_file(path: Path) -> bool:
    """A regular file, not a link (a link is never followed, whatever it points to)."""
    return path.is_file() and not path.is_symlink()


def is_temp_name(name: str) -> bool:
    """A temp file's name as atomic writes make it: .<name>.<pid>.tmp."""
    parts = name.split(".")
    return name.startswith(".") and name.endswith(TMP_SUFFIX) and len(parts) >= 4 and parts[-2].isdigit()


def walk_files(root: Path) -> Iterator[Path]:
    """Every file and link under `root`, links not followed."""
    for here, dirs, files in os.walk(root, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(here) / name
            if name in files or path.is_symlink():
                yield path


def links_inside(folder: Path) -> list[Path]:
    """Symbolic links at the places the project writes: its top-level names, stages, and anything under them."""
    if not folder.is_dir():
        return []
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name not in TOP_NAMES and not entry.name.startswith(STAGE):
            continue
        if entry.is_symlink():
            found.append(entry)
        elif entry.is_dir():
            found += [p for p in walk_files(entry) if p.is_symlink()]
            found += [Path(h) / d for h, dirs, _ in os.walk(entry) for d in dirs if (Path(h) / d).is_symlink()]
    return sorted(set(found))


def refuse_links(folder: Path) -> None:
    """One line naming the first symbolic link where the project writes; nothing is written or removed."""
    links = links_inside(folder)
    if links:
        raise InputError(
            str(links[0]),
            "",
            "a real file or folder, not a symbolic link (remove the link, or choose another --out)",
            f"a link to {os.readlink(links[0])}",
        )


class Ledger:
    """store/written.json: the files the project wrote into a folder, by relative path, with their sha256.

    A path carries more than one hash while tables are published (the old file's and the new one's), so a
    publish killed half-way leaves every file in place recorded.
    """

    def __init__(self, folder: Path, files: dict[str, list[str]]) -> None:
        self.folder = folder
        self.files = files

    @property
    def path(self) -> Path:
        return self.folder / STORE / MARKER

    @classmethod
    def load(cls, folder: Path) -> "Ledger | None":
        """The folder's record, or None when it has no valid marker."""
        path = folder / STORE / MARKER
        if not is_plain_file(path):
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        files = data.get("files") if isinstance(data, dict) and data.get("made_by") == MADE_BY else None
        if not isinstance(files, dict):
            return None
        return cls(folder, {k: [h for h in v if isinstance(h, str)] for k, v in files.items()
                            if isinstance(k, str) and isinstance(v, list)})  # fmt: skip

    @classmethod
    def create(cls, folder: Path, adopt: bool) -> "Ledger":
        """Write a new marker; with `adopt` (a folder made before markers), record the files it holds of ours."""
        ledger = cls(folder, {})
        if adopt:
            for pattern in LEGACY_FILES:
                for path in folder.glob(pattern):
                    if is_plain_file(path):
                        ledger.files[path.relative_to(folder).as_posix()] = [sha256_of(path)]
        ledger.save()
        return ledger

    def save(self) -> None:
        """Write the record atomically."""
        data = {"made_by": MADE_BY, "format": 1, "files": dict(sorted(self.files.items()))}
        write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")

    def owns(self, rel: str) -> bool:
        """Whether the file at `rel` is one the project wrote: a plain file whose hash is recorded for its name."""
        path = self.folder / rel
        return rel in self.files and is_plain_file(path) and sha256_of(path) in self.files[rel]

    def record(self, rel: str, digest: str | None = None, keep: bool = False) -> None:
        """Record the file at `rel` (or the hash it is about to have); `keep` keeps the hash recorded before."""
        digest = digest or sha256_of(self.folder / rel)
        old = [h for h in self.files.get(rel, []) if h != digest] if keep else []
        self.files[rel] = [*old[-2:], digest]


def write_atomic(path: Path, text: str) -> None:
    """Write text through a temp file renamed onto `path`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def legacy_config(folder: Path) -> bool:
    """A folder made before the marker: its store/config.json holds a config hash as `disengage run` wrote it."""
    path = folder / STORE / "config.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if is_plain_file(path) else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and isinstance(data.get("config_hash"), str)


def is_results_folder(folder: Path) -> bool:
    """A folder this project made: a real store/ holding the marker (or, made before it, the stored config)."""
    store = folder / STORE
    if not store.is_dir() or store.is_symlink():
        return False
    return Ledger.load(folder) is not None or legacy_config(folder)


def barely_begun(folder: Path) -> bool:
    """A folder holding only an empty store/ (or its lock): a run killed as it began, nothing else to keep."""
    entries = list(folder.iterdir())
    store = folder / STORE
    if [e.name for e in entries] != [STORE] or not store.is_dir() or store.is_symlink():
        return False
    return all(e.name == LOCK and is_plain_file(e) and e.stat().st_size == 0 for e in store.iterdir())


def check_out_folder(folder: Path) -> None:
    """Refuse a --out that is a file, holds a link where the project writes, or holds others' files."""
    if folder.exists() and not folder.is_dir():
        raise InputError(str(folder), "", "a folder for the results (--out)", "a file")
    if not folder.exists():
        return
    refuse_links(folder)
    if any(folder.iterdir()) and not is_results_folder(folder) and not barely_begun(folder):
        raise InputError(str(folder), "", "a new or empty folder, or a results folder of this project "
                         f"({STORE}/{MARKER}); left unchanged", "other files")  # fmt: skip


def ledger_of(folder: Path) -> Ledger:
    """The folder's record, created now for a new folder (or adopted for one made before markers)."""
    (folder / STORE).mkdir(parents=True, exist_ok=True)
    return Ledger.load(folder) or Ledger.create(folder, adopt=legacy_config(folder))


def left_line(what: str, names: list[str]) -> list[str]:
    """'--force-new left 2 files it did not write: a, b' (nothing when none)."""
    if not names:
        return []
    shown = ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
    return [f"{what} left {len(names)} file{'s' if len(names) != 1 else ''} it did not write: {shown}"]


def remove_written(ledger: Ledger, also: Iterable[Path] = ()) -> int:
    """Delete every file the record proves the project wrote (and `also`, proven by the caller); how many.

    Temp files of atomic writes under store/ go too; empty folders the project makes are removed after.
    """
    folder, removed = ledger.folder, 0
    for rel in sorted(ledger.files):
        if ledger.owns(rel):
            (folder / rel).unlink()
            removed += 1
        del ledger.files[rel]
    for path in [*also, *(p for p in walk_files(folder / STORE) if is_temp_name(p.name) and is_plain_file(p))]:
        path.unlink()
        removed += 1
    for name in EMPTY_DIRS:
        d = folder / name
        if d.is_dir() and not d.is_symlink() and not any(d.iterdir()):
            d.rmdir()
    ledger.save()
    return removed


def others_files(folder: Path) -> list[str]:
    """Files in the folder the project did not write (its lock and marker aside), by relative path."""
    ours = {f"{STORE}/{LOCK}", f"{STORE}/{MARKER}"}
    return [rel for p in walk_files(folder) if (rel := p.relative_to(folder).as_posix()) not in ours]


def clear_stages(folder: Path, ledger: Ledger) -> list[str]:
    """Remove side folders left by killed runs: only the files the project stages there; a line on any left."""
    left = []
    for stage in sorted(p for p in folder.iterdir() if p.name.startswith(STAGE) and p.is_dir()):
        for path in walk_files(stage):
            if is_plain_file(path) and staged_name(path.relative_to(stage).as_posix()):
                path.unlink()
            else:
                left.append(path.relative_to(folder).as_posix())
        for here, _, _ in sorted(os.walk(stage), reverse=True):
            if not any(Path(here).iterdir()):
                Path(here).rmdir()
    return left_line("clearing the side folder of a killed run", left)


def staged_name(rel: str) -> bool:
    """A name a run writes into its stage: a table, the manifest, the report, or a figure."""
    return rel in STAGED_TOP or (rel.startswith("figures/") and rel.count("/") == 1 and rel.endswith((".png", ".svg",
                                                                                               ".csv")))


def publish(stage: Path, ledger: Ledger) -> None:
    """Move every staged file into the folder, one atomic rename each, manifest last, recording each first.

    A file already at a staged name is replaced only when the record proves it the project's; otherwise
    nothing moves and one line says which file is in the way.
    """
    folder = ledger.folder
    refuse_links(folder)
    files = sorted((p.relative_to(stage).as_posix() for p in walk_files(stage) if is_plain_file(p)),
                   key=lambda rel: (rel == MANIFEST, rel))  # fmt: skip
    blocked = [rel for rel in files if os.path.lexists(folder / rel) and not ledger.owns(rel)]
    if blocked:
        raise InputError(
            str(folder / blocked[0]),
            "",
            "no file, or one this project wrote (move it away, or choose another --out; runs stay stored)",
            f"a file store/{MARKER} does not record" + (f" (and {len(blocked) - 1} more)" if len(blocked) > 1 else ""),
        )
    for rel in files:
        ledger.record(rel, sha256_of(stage / rel), keep=True)
    ledger.save()
    for rel in files:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / rel, folder / rel)
    for rel in files:
        ledger.files[rel] = ledger.files[rel][-1:]
    ledger.save()
    remove_tree(stage)


def remove_tree(stage: Path) -> None:
    """Remove a stage this run made: its plain files and folders (a link in it is removed, never followed)."""
    if stage.is_dir() and not stage.is_symlink():
        shutil.rmtree(stage)


@contextmanager
def staged(folder: Path, ledger: Ledger) -> Iterator[Path]:
    """A new side folder to build files in; published into `folder` when the block ends, removed if it fails."""
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE}-", dir=folder))
    try:
        yield stage
        publish(stage, ledger)
    finally:
        remove_tree(stage)


def copy_into(stage: Path, folder: Path, names: Iterable[str]) -> None:
    """Copy the folder's files `names` (those present and plain) into a stage, to draw from them there."""
    for name in names:
        if is_plain_file(folder / name):
            shutil.copyfile(folder / name, stage / name)

