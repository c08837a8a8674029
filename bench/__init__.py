"""Benchmark, load and fault scripts for OIC Debrief at national scale (not part of the app)."""
