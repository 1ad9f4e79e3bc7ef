#!/usr/bin/env python3
"""timeit.py RUNS CMD... : median wall seconds over RUNS runs and peak RSS (MB) of the command."""
import resource
import statistics
import subprocess
import sys
import time

runs = int(sys.argv[1])
cmd = sys.argv[2:]
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - start)
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{statistics.median(times):.4f}\t{peak_kb // 1024}")
