"""Demo of the monthly cycle (ASM-3, order 82)."""


def load_demo_cycle(*, stdout=None) -> int:
    return 0
