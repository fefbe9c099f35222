#!/usr/bin/env python3
"""Benchmark stand-in agent: an input line at the bottom ("> "), each submitted message moves into the history above."""
import sys

while True:
    try:
        line = input("> ")
    except EOFError:
        break
    print(f"received: {line}", flush=True)
