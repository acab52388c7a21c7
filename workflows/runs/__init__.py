"""Runs: starting, executing under a lease, storing and streaming events, history."""
