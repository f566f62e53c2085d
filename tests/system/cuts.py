"""cuts.py - scenario 7 (stub)."""
DEFAULT_CUTS = 32


def s7_power_cuts(ctx):
    raise AssertionError("not written yet")
