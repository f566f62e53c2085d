"""replay.py - scenario 8 (stub)."""


class Recording:
    def __init__(self, work, rel):
        self.work, self.rel = work, rel

    def disks(self):
        return []


def s8_replay(ctx):
    raise AssertionError("not written yet")
