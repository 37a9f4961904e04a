"""disengage: families disengaging from child health services when the NHS number is reused.

The public API lives in model/api.py and is handed on from here: `run_experiment`, `simulate`,
`DisengageModel` and `effects`. Each is imported on first use, so `import model.core.step` does not
load the figures or the experiment machinery.
"""

from model.core import jitcache

jitcache.configure()  # before any compiled function is defined

__all__ = ["DisengageModel", "effects", "run_experiment", "simulate"]


def __getattr__(name: str):
    """The public names, imported from model.api when first asked for."""
    if name in __all__:
        from model import api

        return getattr(api, name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
