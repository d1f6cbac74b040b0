"""Demo data for `make run` (called by core's load_demo, idempotent)."""


def load(*, users, accounts, stdout):
    pass
