"""Benchmarks (`make bench`). Results go to bench/results/; speed is never asserted in tests."""
