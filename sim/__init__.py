"""Orchestration: case files, the simulation pipeline, results, KPIs and reports."""
