"""Benchmarks run by `make bench`; each scenario measures itself beside a baseline."""
