"""The `disengage` command: run experiments, calibrate the baseline and check input files."""

import argparse
import sys
from pathlib import Path

from model import config
from model.errors import InputError

EXIT_BAD_INPUT = 2


def check_file(path: str) -> str:
    """Validate one params, segments, place, scenario or experiment file; returns what it was."""
    from model.experiment import load_experiment
    from model.params import DEFAULT_SCHEMA, load_source_ids, read_sections, read_segments
    from model.scenario import load_place, load_scenario

    data = config.load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "", "a mapping at the top of the file", type(data).__name__)
    if "scenarios" in data and "place" in data:
        load_experiment(path)
        return "experiment"
    if "free" in data and "place" in data:
        from model.calibrate import load_calibration

        load_calibration(path)
        return "calibration"
    if "targets" in data:
        from model.targets import load_targets

        load_targets(path, load_source_ids(Path(path).parent))
        return "targets"
    if "flows" in data:
        load_scenario(path)
        return "scenario"
    if "segment_shares" in data:
        load_place(path)
        return "place"
    if "sources" in data:
        load_source_ids(Path(path).parent)
        return "sources"
    if "segments" in data:
        read_segments(path, data)
        return "segments"
    if set(data) & set(DEFAULT_SCHEMA):
        read_sections(path, data, DEFAULT_SCHEMA)
        return "parameters"
    raise InputError(path, "", "a params, segments, place, scenario or experiment file (keys not recognised)")


def params_table(odd: str | None, check_only: bool) -> int:
    """Write (or, with --check, verify) the generated parameter table in docs/ODD.md."""
    from model import paramtable
    from model.experiment import DEFAULT_PARAMS_DIR, REPO
    from model.params import load_parameters

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


def main(argv: list[str] | None = None) -> int:
    """Entry point; bad input prints one line naming file and field and exits 2."""
    parser = argparse.ArgumentParser(prog="disengage", description=__doc__)
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
    chk = sub.add_parser("check", help="validate params, scenario and experiment files")
    chk.add_argument("files", nargs="+")
    cal = sub.add_parser("calibrate", help="fit free parameters to published baseline figures (params/targets.yaml)")
    cal.add_argument("calibration", help="a calibration file, e.g. experiments/calibration.yaml")
    cal.add_argument("--out", default=None, help="results folder (default results/<calibration name>)")
    cal.add_argument("--evaluations", type=int, default=None, help="override max_evaluations (0: check the start only)")
    cal.add_argument("--quiet", action="store_true")
    tab = sub.add_parser("params-table", help="refresh the parameter table in docs/ODD.md from params/")
    tab.add_argument("--odd", default=None, help="path of the ODD document (default docs/ODD.md)")
    tab.add_argument("--check", action="store_true", help="exit 1 if the table is out of date")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            from model.experiment import run_experiment

            say = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
            out = run_experiment(args.experiment, args.out, args.driver, progress=say)
            print(f"results written to {out}")
        elif args.command == "calibrate":
            from model.calibrate import calibrate

            say = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
            out = calibrate(args.calibration, args.out, args.evaluations, progress=say)
            print(f"calibration written to {out}")
        elif args.command == "params-table":
            return params_table(args.odd, args.check)
        elif args.command == "check":
            for f in args.files:
                print(f"{f}: ok ({check_file(f)})")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
