"""The `disengage` command: run experiments, reproduce their results, calibrate the baseline and check input files."""

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from model.inputs import config
from model.inputs.errors import InputError, error_lines, one_line

EXIT_BAD_INPUT = 2
EXIT_NOT_REPRODUCED = 1
EXIT_RUNS_FAILED = 1
EXIT_TOO_SMALL = 1  # a folder too small for what the command prints (it says what is missing)
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C
EXIT_NO_BOX = 3  # `discover`: the folder's futures are too few (or drew nothing) for a box


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text}")
    return value


def file_kind(path: str, data: object) -> str:
    """What kind of input file this is, from its top-level keys."""
    from model.inputs.params import DEFAULT_SCHEMA

    if not isinstance(data, dict):
        raise InputError(path, "", "a mapping at the top of the file", type(data).__name__)
    keys = set(data)
    for kind, test in (
        ("national", "nations" in keys),
        ("calibration", "free" in keys),
        ("experiment", bool(keys & {"scenarios", "replicates", "burn_in_months"})),
        ("targets", "targets" in keys),
        ("scenario", "flows" in keys),
        ("place", "segment_shares" in keys),
        ("sources", "sources" in keys),
        ("measles", "measles" in keys),
        ("segments", "segments" in keys),
        ("parameters", bool(keys & set(DEFAULT_SCHEMA))),
    ):
        if test:
            return kind
    raise InputError(path, "", "a params, segments, place, scenario or experiment file (keys not recognised)")


def check_file(path: str, workers: int = 1, sets: Sequence[str] = ()) -> tuple[str, tuple[str, ...]]:
    """Validate one input file exactly as `run` reads it, with any `--set`s applied as `run` applies them; what
    kind it was, and the warnings `run` would show.

    Experiments, scenarios and places go through the loaders `run` uses, which list every schema error of a
    file at once (InputErrors, model/inputs/schema.py) before their cross-field checks, so `check` and `run`
    accept and refuse the same files with the same lines.
    """
    from model.experiments.experiment import load_experiment
    from model.experiments.sets import refuse_unless_experiment
    from model.inputs.params import DEFAULT_SCHEMA, load_source_ids, read_sections, read_segments
    from model.inputs.scenario import load_place, load_scenario, place_warnings
    from model.inputs.schema import refuse_schema_errors

    data = config.load_yaml(path)
    kind = file_kind(path, data)
    refuse_unless_experiment(path, kind, sets)
    if kind == "experiment":
        return kind, load_experiment(path, workers=workers, sets=sets).warnings
    if kind == "national":
        from model.experiments.national import load_national

        load_national(path, workers=workers)
        return kind, ()
    if kind in ("parameters", "segments"):
        refuse_schema_errors(path, kind, data)
    if kind == "calibration":
        from model.analysis.calibrate import load_calibration

        load_calibration(path)
    elif kind == "targets":
        from model.analysis.targets import load_targets

        load_targets(path, load_source_ids(Path(path).parent))
    elif kind == "scenario":
        load_scenario(path)
    elif kind == "place":
        return kind, place_warnings(load_place(path, load_source_ids(sources_dir(path))))
    elif kind == "sources":
        load_source_ids(Path(path).parent)
    elif kind == "measles":
        from model.inputs.measles_params import load_measles

        load_measles(path)
    elif kind == "segments":
        checked_sources(read_segments(path, data), sources_dir(path))
    else:
        checked_sources(read_sections(path, data, DEFAULT_SCHEMA), sources_dir(path))
    return kind, ()


def sources_dir(path: str) -> Path:
    """The params folder whose sources.yaml a file's source ids must be in, as `run` reads it: the file's own
    folder, or for a place file in places/ its parent; the project's params/ when neither has one."""
    from model.inputs.paths import DEFAULT_PARAMS_DIR

    for folder in (Path(path).resolve().parent, Path(path).resolve().parent.parent):
        if (folder / "sources.yaml").is_file():
            return folder
    return DEFAULT_PARAMS_DIR


def checked_sources(entries: dict, params_dir: Path) -> None:
    """Every source id the parameters cite is one of the params folder's sources.yaml, as `run` requires."""
    from model.inputs.params import check_source, load_source_ids

    ids = load_source_ids(params_dir)
    for path, param in entries.items():
        check_source(param.file, path, param.source, ids)


def check(files: list[str], workers: int, sets: Sequence[str] = ()) -> int:
    """`disengage check FILES`: every file checked, each error and warning on its own line as `run` prints it;
    exit 2 if any file is bad."""
    bad = 0
    for f in files:
        try:
            kind, warnings = check_file(f, workers, sets)
        except InputError as exc:
            bad += 1
            for line in error_lines(exc):
                print(f"error: {line}", file=sys.stderr)
            continue
        except OSError as exc:
            bad += 1
            print(f"error: {os_error_line(exc, f)}", file=sys.stderr)
            continue
        for line in warnings:
            print(f"warning: {line}", file=sys.stderr)
        print(f"{f}: ok ({kind})")
    if bad and len(files) > 1:
        print(f"{bad} of {len(files)} files refused", file=sys.stderr)
    return EXIT_BAD_INPUT if bad else 0


# What to do about each operating-system error, said in one line beside the path it names
OS_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space and run the same command again (what was stored is kept)",
    errno.EDQUOT: "the disk quota is used up: free some space and run the same command again (what was stored "
    "is kept)",
    errno.EROFS: "the file system is read-only: choose a folder on a writable disk (--out)",
    errno.EACCES: "permission denied: choose a folder you may write to (--out), or change its permissions",
    errno.EPERM: "not permitted: choose a folder you may write to (--out), or change its permissions",
    errno.ENOTDIR: "part of this path is a file, not a folder: choose another path",
    errno.ENAMETOOLONG: "the name is too long for the file system: choose a shorter one",
    errno.EISDIR: "this is a folder where a file belongs: move it away, or choose another path",
    errno.EEXIST: "something is already there: move it away, or choose another path",
    errno.ENOENT: "no such file or folder",
    errno.ELOOP: "too many symbolic links on the way: give the real path",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) or use fewer --workers",
}


def os_error_line(exc: OSError, where: str | None) -> str:
    """An operating-system error as one line: the path it names (or `where`), what happened and what to do."""
    path = exc.filename if exc.filename is not None else where
    advice = OS_ADVICE.get(exc.errno or 0, f"the operating system refused: {exc.strerror or type(exc).__name__}")
    detail = f" ([Errno {exc.errno}] {exc.strerror})" if exc.errno in OS_ADVICE and exc.strerror else ""
    return f"{one_line(str(path), 200)}: {advice}{detail}" if path else f"{advice}{detail}"


def figures(results: str) -> list[Path]:
    """`disengage figures DIR`: draw the figures and report of a results folder; the files written.

    In a results folder of this project they are drawn in a side folder and published as a run publishes
    them (model/experiments/folder.py): nothing of a user's is replaced, no link is followed. A Ctrl-C is
    held until the drawing ends, then the command stops with exit 130.
    """
    from model.experiments.folder import MANIFEST, copy_into, is_results_folder, ledger_of, refuse_links, staged
    from model.experiments.runner import interrupt_after
    from model.present.report import figures_and_report

    folder = Path(results)
    refuse_links(folder)
    if not is_results_folder(folder):  # tables without a store (copied by hand): drawn in place, as before
        with interrupt_after():
            return figures_and_report(folder)
    inputs = (MANIFEST, "runs.csv", "timeseries.csv", "effects.csv", "sensitivity.csv")
    with staged(folder, ledger_of(folder)) as stage, interrupt_after():
        copy_into(stage, folder, inputs)
        (stage / "figures").mkdir()
        try:
            written = [p.relative_to(stage) for p in figures_and_report(stage)]
        except InputError as exc:  # name the folder's file, not its copy in the side folder
            file = exc.file.replace(str(stage), str(folder), 1)
            raise InputError(file, exc.field, exc.expected, exc.got) from None
        for name in inputs:
            (stage / name).unlink(missing_ok=True)  # read, not written: only the drawings are published
    return [folder / p for p in written]


def params_table(odd: str | None, check_only: bool) -> int:
    """Write (or, with --check, verify) the generated parameter table in docs/ODD.md."""
    from model.inputs.params import load_parameters
    from model.inputs.paths import DEFAULT_PARAMS_DIR, REPO
    from model.present import paramtable

    path = Path(odd) if odd else REPO / "docs" / "ODD.md"
    params = load_parameters(DEFAULT_PARAMS_DIR)
    text = path.read_text(encoding="utf-8")
    if check_only:
        stale = paramtable.with_table(text, params) != text
        print(f"{path}: parameter table {'out of date' if stale else 'up to date'}")
        return 1 if stale else 0
    changed = paramtable.write(path, params)
    print(f"{path}: parameter table {'refreshed' if changed else 'already up to date'}")
    return 0


def reproduce(results: str, out: str | None, quiet: bool) -> int:
    """Re-run a results folder and compare: exit 0 when its tables are reproduced byte for byte, 1 when not."""
    from model.experiments.reproduce import reproduce as rerun

    say = None if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    outcome = rerun(results, out, progress=say)
    print(outcome.text())
    return 0 if outcome.identical else EXIT_NOT_REPRODUCED


def explore(results: str, port: int, host: str, open_browser: bool) -> int:
    """Serve the explorer page over a results folder (checked first, so bad input is one line and exit 2).

    The process becomes the Solara server (exec), so stopping it stops the page.
    """
    from model.explore import app
    from model.explore.data import Grid

    folder = Path(results).resolve()
    Grid(folder)  # reads the manifest and effects.csv: a broken folder stops here with a clear error
    env = {**os.environ, app.FOLDER_ENV: str(folder)}
    cmd = [sys.executable, "-m", "solara", "run", app.__file__, "--port", str(port), "--host", host, "--production"]
    cmd.append("--open" if open_browser else "--no-open")
    print(f"explorer for {folder} at http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    os.execve(sys.executable, cmd, env)
    return 0  # not reached: exec replaces this process


def finished_line(out: Path) -> str:
    """What `run` prints last: where the results are and the report to open (when the folder has one)."""
    report = out / "report.html"
    return f"results written to {out}" + (f"; open {report} in a browser" if report.is_file() else "")


def evidence(results: str) -> int:
    """`disengage evidence DIR`: the behavioural checks; exit 1 when the folder has none or is too small for some."""
    from model.analysis.evidence import BILL, REPEALED, checks, summary, table

    rows = checks(results)
    if not rows:
        print(f"{results}: no check applies: the folder has neither {BILL} nor {REPEALED}", file=sys.stderr)
        return EXIT_TOO_SMALL
    print(table(rows))
    print(summary(rows))
    return 0 if all(c.computed for c in rows) else EXIT_TOO_SMALL


def compare(a: str, b: str, csv_path: str | None, every: bool) -> int:
    """`disengage compare A B`: every effect side by side on screen (overall ones, or all) and in a CSV."""
    from model.analysis.compare import compare_folders, config_differences, screen, too_small, write_csv

    rows = compare_folders(a, b)
    out = Path(csv_path) if csv_path else Path("results") / f"compare_{Path(a).name}_vs_{Path(b).name}.csv"
    print(f"A: {a}\nB: {b}")
    for line in config_differences(a, b):
        print(f"differs: {line}")
    print("\n".join(screen(rows, every)))
    print(f"every effect written to {write_csv(rows, out)}")
    problem, note = too_small(rows, every)
    if note:
        print(f"note: {note}")
    if problem:
        print(f"too small: {problem}", file=sys.stderr)
        return EXIT_TOO_SMALL
    return 0


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """`--set path=value`, repeatable: a what-if applied to the experiment before it is checked (sets.py)."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="change a parameter (network.degree=20) or an experiment field (replicates=3) for this run; repeatable",
    )


def discover(results: str, effect: str) -> int:
    """`disengage discover DIR`: PRIM boxes of each policy's worst futures; too few futures is one line, exit 3."""
    from model.analysis.discover import TooFewFutures, run_discover

    try:
        print(run_discover(results, effect))
    except TooFewFutures as exc:
        print(f"no box: {exc}", file=sys.stderr)
        return EXIT_NO_BOX
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; bad input prints one line naming file and field and exits 2."""
    parser = argparse.ArgumentParser(prog="disengage", description=__doc__)
    parser.add_argument("--version", action="version", version=f"disengage {metadata.version('disengage')}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run an experiment and write its results folder")
    run.add_argument("experiment")
    run.add_argument("--out", default=None, help="results folder (default results/<experiment name>)")
    run.add_argument(
        "--driver",
        default=None,
        choices=("kernel", "agents"),
        help="kernel (compiled population kernel, default) or agents (Mesa Family agents)",
    )
    run.add_argument("--quiet", action="store_true")
    run.add_argument(
        "--workers", type=positive_int, default=os.cpu_count() or 1, help="processes running at once (default: CPUs)"
    )
    run.add_argument(
        "--executor",
        default="local",
        choices=("local", "dask"),
        help="local (a pool of processes on this machine, default) or dask (a Dask distributed cluster)",
    )
    run.add_argument("--scheduler", default=None, help="Dask scheduler address; default: a LocalCluster of --workers")
    run.add_argument("--force-new", action="store_true", help="discard the runs stored in the results folder")
    add_set_option(run)
    stat = sub.add_parser("status", help="runs done, pending and failed in a results folder, and time per run")
    stat.add_argument("results")
    sens = sub.add_parser("sensitivity", help="Sobol or Morris indices of a finished sweep: sensitivity.csv and figure")
    sens.add_argument("results")
    figs = sub.add_parser("figures", help="draw the figures and report.html of a results folder (never re-runs)")
    figs.add_argument("results", help="a results folder written by `disengage run`")
    chk = sub.add_parser("check", help="validate params, scenario and experiment files (never runs the model)")
    chk.add_argument("files", nargs="+")
    chk.add_argument(
        "--workers", type=positive_int, default=os.cpu_count() or 1, help="runs at once to size memory for, as run"
    )
    add_set_option(chk)
    sch = sub.add_parser("schema", help="write JSON Schema of the input files, for editors")
    sch.add_argument("--out", default="schema", help="folder for <kind>.schema.json (default ./schema)")
    rep = sub.add_parser("reproduce", help="re-run a results folder from its manifest and compare its tables")
    rep.add_argument("results", help="a results folder written by `disengage run` (manifest.json and the tables)")
    rep.add_argument("--out", default=None, help="keep the re-run tables in this new folder (default: a temporary one)")
    rep.add_argument("--quiet", action="store_true")
    cal = sub.add_parser("calibrate", help="fit free parameters to published baseline figures (params/targets.yaml)")
    cal.add_argument("calibration", help="a calibration file, e.g. experiments/calibration.yaml")
    cal.add_argument("--out", default=None, help="results folder (default results/<calibration name>)")
    cal.add_argument("--evaluations", type=int, default=None, help="override max_evaluations (0: check the start only)")
    cal.add_argument("--quiet", action="store_true")
    exp = sub.add_parser("explore", help="a web page over a results folder: pick policy, safeguards, assumptions")
    exp.add_argument("results", nargs="?", default="results/explorer", help="results folder (default results/explorer)")
    exp.add_argument("--port", type=positive_int, default=8765)
    exp.add_argument("--host", default="localhost")
    exp.add_argument("--open", action="store_true", help="open the page in the default browser")
    evi = sub.add_parser("evidence", help="the behavioural checks of docs/ODD.md (Validation) for a results folder")
    evi.add_argument("results", help="a results folder with the Bill (and the repealed Bill), e.g. results/headline")
    cmp = sub.add_parser("compare", help="every effect of two results folders side by side, beyond chance or not")
    cmp.add_argument("a", help="a results folder (A)")
    cmp.add_argument("b", help="another results folder (B); differences are B - A")
    cmp.add_argument("--csv", default=None, help="CSV of every effect (default results/compare_<A>_vs_<B>.csv)")
    cmp.add_argument("--all", action="store_true", help="print every effect, each group's too (default: overall)")
    tab = sub.add_parser("params-table", help="refresh the parameter table in docs/ODD.md from params/")
    tab.add_argument("--odd", default=None, help="path of the ODD document (default docs/ODD.md)")
    tab.add_argument("--check", action="store_true", help="exit 1 if the table is out of date")
    dis = sub.add_parser("discover", help="where each policy costs most: PRIM boxes over the parameters runs drew")
    dis.add_argument("results", help="a results folder whose replicates drew parameters (uncertainty: or a sweep)")
    dis.add_argument("--effect", default="lost_safeguarding_contacts_per_10k", help="the effect whose worst quarter")
    mea = sub.add_parser("measles", help="measles immunity and outbreak risk by community (params/measles.yaml)")
    mea.add_argument("--place", default="wigan")
    mea.add_argument("--scale", type=float, default=1.0)
    mea.add_argument("--scenarios", nargs="+", default=["baseline", "national_sui_mandate"])
    mea.add_argument("--months", type=positive_int, default=180)
    mea.add_argument("--burn-in", type=int, default=60, help="months with the policy off (default 60)")
    mea.add_argument("--replicates", type=positive_int, default=10)
    mea.add_argument("--seed", type=int, default=20261124)
    mea.add_argument("--importations", type=int, default=10, help="importations per community per run (0: none)")
    mea.add_argument("--cap", type=positive_int, default=200, help="stop an importation's chain at this many cases")
    mea.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="set a measles parameter (r0=18); repeatable, as run's --set")  # fmt: skip
    mea.add_argument("--draw-r0", action="store_true", help="each replicate draws R0 from its range (12-18)")
    mea.add_argument("--out", default="results/measles")
    args = parser.parse_args(argv)
    if args.command == "run" and args.scheduler and args.executor != "dask":
        parser.error("--scheduler needs --executor dask")
    try:
        if args.command == "run":
            from model.api import run_experiment
            from model.experiments.sweep import RunsFailed

            say = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
            try:
                out = run_experiment(
                    args.experiment,
                    args.out,
                    args.driver,
                    progress=say,
                    workers=args.workers,
                    executor=args.executor,
                    scheduler=args.scheduler,
                    force_new=args.force_new,
                    sets=args.set,
                )
            except RunsFailed as exc:
                print(f"error: {exc}", file=sys.stderr)
                return EXIT_RUNS_FAILED
            except KeyboardInterrupt:
                print("interrupted: finished runs are stored; run the same command again to go on", file=sys.stderr)
                return EXIT_INTERRUPTED
            print(finished_line(out))
        elif args.command == "status":
            from model.experiments.store import status_lines

            print("\n".join(status_lines(args.results)))
        elif args.command == "sensitivity":
            from model.analysis.sensitivity import run_sensitivity

            print(f"sensitivity indices written to {run_sensitivity(args.results)}")
        elif args.command == "reproduce":
            return reproduce(args.results, args.out, args.quiet)
        elif args.command == "figures":
            for path in figures(args.results):
                print(path)
        elif args.command == "calibrate":
            from model.analysis.calibrate import calibrate

            say = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
            out = calibrate(args.calibration, args.out, args.evaluations, progress=say)
            print(f"calibration written to {out}")
        elif args.command == "measles":
            from model.analysis.measles_run import MeaslesSpec, run_measles
            from model.experiments.sets import parse_set

            try:  # the same `--set name=value` form as run's, each value then checked by the measles loader
                overrides = [parse_set(item) for item in args.set]
            except InputError as exc:
                raise InputError("measles --set", exc.field, exc.expected, exc.got) from None
            spec = MeaslesSpec(
                args.place, args.scale, tuple(args.scenarios), args.months, args.burn_in, args.replicates,
                args.seed, args.importations, args.cap, tuple(overrides), args.draw_r0,
            )
            for path in run_measles(spec, args.out):
                print(path)
        elif args.command == "params-table":
            return params_table(args.odd, args.check)
        elif args.command == "evidence":
            return evidence(args.results)
        elif args.command == "compare":
            return compare(args.a, args.b, args.csv, args.all)
        elif args.command == "discover":
            return discover(args.results, args.effect)
        elif args.command == "explore":
            return explore(args.results, args.port, args.host, args.open)
        elif args.command == "check":
            return check(args.files, args.workers, args.set)
        elif args.command == "schema":
            from model.inputs.schema import write_json_schemas

            for path in write_json_schemas(args.out):
                print(path)
    except InputError as exc:
        for line in error_lines(exc):
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        where = getattr(args, "out", None) or getattr(args, "results", None) or getattr(args, "experiment", None)
        print(f"error: {os_error_line(exc, where)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
