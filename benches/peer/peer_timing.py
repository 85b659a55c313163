"""What both peer sweeps share: time one run alone and a pool of one-thread workers, and print
the figures `seedscope bench --json` prints."""

import argparse
import json
import multiprocessing
import os
import resource
import time

import torch


def one_thread():
    torch.set_num_threads(1)


def time_sweep(one_run, extra=None):
    """Times `one_run(seed)` as a 240-run sweep (or a sample of it, scaled) and prints JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=240,
                        help="how many runs to time (the figures are scaled to 240)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="worker processes, one thread each (default: one per core, "
                             "as seedscope uses one worker per core)")
    args = parser.parse_args()
    one_thread()
    one_run(0)  # warm-up: PyTorch's first run pays for lazy initialisation
    started = time.perf_counter()
    result = one_run(0)
    single = (time.perf_counter() - started) * 1000

    wall0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.workers, initializer=one_thread) as pool:
        pool.map(one_run, range(1, args.runs + 1), chunksize=1)
        pool.close()
        pool.join()
    wall = time.perf_counter() - wall0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = children.ru_utime + children.ru_stime
    scale = 240 / args.runs
    figures = {
        "sweep_seconds": wall * scale,
        "runs": 240,
        "ms_per_run": cpu * 1000 / args.runs,
        "ms_single_run": single,
        "runs_per_second": args.runs / wall,
        "peak_rss_mb": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                           children.ru_maxrss) / 1024,
        "workers": args.workers,
        "measured_runs": args.runs,
    }
    if extra:
        figures.update(extra(result))
    print(json.dumps(figures))
