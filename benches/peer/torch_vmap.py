"""The strongest PyTorch peer: every run of a sweep trained at once with torch.func
(`stack_module_state`, `functional_call`, `vmap(grad(...), randomness="different")`), the
step (gradients and Adam) compiled with `torch.compile(dynamic=False)`, as a skilled PyTorch
user would write a seed study. Each run has its own data sample and split (peer_data.py), its
own initialisation, dropout masks and per-epoch shuffle: the experiment of
`seedscope run --conditions free:data+split+init+dropout+shuffle --repeats 240 --workers 1`.

One thread, pinned to one core. `dynamic=False`, because with dynamic shapes the short last
mini-batch silently falls back to eager; the parameters do not require grad (torch.func
takes gradients functionally), because a compiled step slows when they do. `--eager` times
the same vmap program uncompiled. ms_per_run is the process's CPU time over the timed sweep
(data, training and the final test accuracy; compilation and a warm-up sweep are timed
apart), divided by the runs. Prints the keys of `seedscope bench --json`.

    pip install torch numpy
    python3 benches/peer/torch_vmap.py --sweep reference
    python3 benches/peer/torch_vmap.py --sweep digits [--eager]
"""

import argparse
import copy
import math
import os
import time

os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.func import functional_call, grad, stack_module_state, vmap  # noqa: E402

from peer_data import SWEEPS, measure, sweep_data  # noqa: E402

torch.set_num_threads(1)
BETA1, BETA2, EPS = 0.9, 0.999, 1e-7  # Keras' epsilon, as seedscope


def make_model(widths, dropout):
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        linear = torch.nn.Linear(fan_in, fan_out)
        torch.nn.init.xavier_uniform_(linear.weight)  # Glorot uniform, zero biases
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if index + 2 < len(widths):
            layers += [torch.nn.ReLU(), torch.nn.Dropout(dropout)]
    return torch.nn.Sequential(*layers)


def make_step(base, classes, compile_step):
    def loss(params, buffers, x, y):
        z = functional_call(base, (params, buffers), (x,))
        if classes is None:
            return torch.nn.functional.binary_cross_entropy_with_logits(z, y)
        return torch.nn.functional.cross_entropy(z, y)

    gradients = vmap(grad(loss), in_dims=(0, 0, 0, 0), randomness="different")

    def step(params, buffers, m, v, size, eps, x, y):
        g = gradients(params, buffers, x, y)
        for name in params:
            m[name].mul_(BETA1).add_(g[name], alpha=1 - BETA1)
            v[name].mul_(BETA2).addcmul_(g[name], g[name], value=1 - BETA2)
            params[name].sub_(size * m[name] / (v[name].sqrt() + eps))

    return torch.compile(step, dynamic=False) if compile_step else step


def timed_sweep(sweep, runs, first_seed, compile_step, cache):
    settings = SWEEPS[sweep]
    started, cpu = time.perf_counter(), time.process_time()
    x, y, x_test, y_test = (torch.from_numpy(a) for a in
                            sweep_data(sweep, range(first_seed, first_seed + runs)))
    models = []
    for seed in range(first_seed, first_seed + runs):
        torch.manual_seed(seed)
        models.append(make_model(settings["widths"], settings["dropout"]))
    params, buffers = stack_module_state(models)
    params = {k: p.detach() for k, p in params.items()}
    if "base" not in cache:
        cache["base"] = copy.deepcopy(models[0]).to("meta")
        cache["eval"] = copy.deepcopy(cache["base"]).eval()  # no dropout
        cache["step"] = make_step(cache["base"], settings["classes"], compile_step)
    step = cache["step"]
    m = {k: torch.zeros_like(p) for k, p in params.items()}
    v = {k: torch.zeros_like(p) for k, p in params.items()}
    generator = torch.Generator().manual_seed(first_seed)
    n_train, batch, t = x.shape[1], settings["batch"], 0
    for _ in range(settings["epochs"]):
        # Each run its own order: argsort of uniform noise, one row per run.
        order = torch.argsort(torch.rand(runs, n_train, generator=generator), dim=1)
        for start in range(0, n_train, batch):
            rows = order[:, start:start + batch]
            xb = torch.gather(x, 1, rows[..., None].expand(-1, -1, x.shape[2]))
            yb = (torch.gather(y, 1, rows[..., None]) if settings["classes"] is None
                  else torch.gather(y, 1, rows))
            t += 1
            size = torch.tensor(settings["lr"] * math.sqrt(1 - BETA2 ** t) / (1 - BETA1 ** t))
            eps = torch.tensor(EPS * math.sqrt(1 - BETA2 ** t))
            step(params, buffers, m, v, size, eps, xb, yb)
    with torch.no_grad():
        base = cache["eval"]
        z = vmap(lambda p, b, x: functional_call(base, (p, b), (x,)))(params, buffers, x_test)
        if settings["classes"] is None:
            accuracy = ((z[..., 0] > 0).float() == y_test[..., 0]).float().mean(1)
        else:
            accuracy = (z.argmax(2) == y_test).float().mean(1)
    return time.perf_counter() - started, time.process_time() - cpu, accuracy.numpy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", choices=sorted(SWEEPS), default="reference")
    parser.add_argument("--runs", type=int, default=240)
    parser.add_argument("--eager", action="store_true", help="vmap without torch.compile")
    args = parser.parse_args()
    cache = {}
    peer = "torch.func vmap" + ("" if args.eager else " + torch.compile")
    measure(peer, args.sweep, args.runs,
            lambda runs, first: timed_sweep(args.sweep, runs, first, not args.eager, cache))

if __name__ == "__main__":
    main()
