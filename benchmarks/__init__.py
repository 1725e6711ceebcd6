"""Reproducible performance runs of the simulator against their reference peers.

Run them with ``make bench`` (or ``python -m benchmarks.run_all``); see
``benchmarks/README.md`` and the latest results in ``benchmarks/RESULTS.md``.
"""
