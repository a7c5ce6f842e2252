"""Benchmarks of the report generator (issue #7): ``make bench`` runs ``bench/run.py``; see BENCHMARKS.md."""
