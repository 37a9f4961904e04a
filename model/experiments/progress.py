"""Progress of a sweep: a bar (runs done/total, rate, ETA) on a terminal, plain periodic lines in CI logs."""

import sys
import time
from collections.abc import Callable

from tqdm import tqdm

PLAIN_EVERY_SECONDS = 15.0  # how often a line is printed when output is not a terminal


def duration(seconds: float) -> str:
    """A short human duration: 45 s, 12 min, 3.2 h."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Counts finished runs and shows them; silent when `say` is None."""

    def __init__(
        self,
        total: int,
        say: Callable[[str], None] | None,
        tty: bool | None = None,
        every_seconds: float = PLAIN_EVERY_SECONDS,
    ) -> None:
        self.total, self.done, self.say, self.every = total, 0, say, every_seconds
        self.start = self.last = time.monotonic()
        use_bar = say is not None and total > 0 and (sys.stderr.isatty() if tty is None else tty)
        self.bar = tqdm(total=total, unit="run", file=sys.stderr, smoothing=0.1) if use_bar else None

    def line(self) -> str:
        """`runs 12/40 (30%), 3.5 runs/min, ETA 8 min`."""
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = self.done / elapsed * 60
        eta = (self.total - self.done) / (self.done / elapsed) if self.done else float("nan")
        eta_text = duration(eta) if self.done else "unknown"
        pct = 100 * self.done / self.total if self.total else 100
        return f"runs {self.done}/{self.total} ({pct:.0f}%), {rate:.1f} runs/min, ETA {eta_text}"

    def advance(self) -> None:
        """One more run finished."""
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.say is not None:
            now = time.monotonic()
            if now - self.last >= self.every or self.done == self.total:
                self.last = now
                self.say(self.line())

    def close(self) -> None:
        """Finish the bar, if any."""
        if self.bar is not None:
            self.bar.close()
