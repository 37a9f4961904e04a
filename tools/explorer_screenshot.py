"""Take the README's explorer screenshot from a results folder (a maintainer's tool).

    python -m tools.explorer_screenshot results/explorer figures/screenshots/explorer.png [--view QUERY]

Serves `disengage explore FOLDER` on a free port, opens the view (the query string the page itself writes,
e.g. `policy=national_sui_mandate&families_told=1`) in headless Chromium, waits for the effects table and
writes a PNG of the window (1400 x 1000). Needs /usr/bin/chromium and playwright (a test extra).
"""

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
CELL = "td[data-effect]"  # an effect's cell: present once the page has read the folder
WIDTH, HEIGHT = 1400, 1000  # the window shown: the page scrolls inside its own layout, not the window


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 120.0) -> None:
    """Until the explorer answers at url; RuntimeError with the server's own words if it stopped or never answered."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the explorer stopped (exit {proc.returncode}): {proc.stderr.read()[-800:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the explorer did not answer at {url} within {seconds:.0f} s")


def screenshot(folder: Path, out: Path, view: str) -> None:
    """Serve folder, open the view and write the page's PNG to out."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://localhost:{port}/"
    cmd = [sys.executable, "-m", "model.cli", "explore", str(folder), "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.goto(url + (f"?{view}" if view else ""))
            page.wait_for_selector(CELL, timeout=120_000)
            page.wait_for_timeout(2000)  # the figures under the table draw after it
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    """Parse the command line and take the screenshot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="a results folder the explorer can serve")
    ap.add_argument("out", type=Path, help="the PNG to write")
    ap.add_argument("--view", default="", help="the page's query string, as its URL holds it")
    args = ap.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is not installed (Debian package 'chromium')")
    try:
        screenshot(args.folder, args.out, args.view)
    except RuntimeError as e:
        sys.exit(str(e))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
