"""The strongest JAX peer: every run of a sweep trained at once, `jax.vmap` over runs inside one
`jax.jit`-compiled program (`lax.scan` over epochs and mini-batches), as a skilled JAX user
would write a seed study. Each run has its own data sample and split (peer_data.py), its own
initialisation, dropout masks and per-epoch shuffle: the experiment of
`seedscope run --conditions free:data+split+init+dropout+shuffle --repeats 240 --workers 1`.

The process is pinned to one core: XLA's single-thread flags alone still spread work over
every core. ms_per_run is the process's CPU time over the timed sweep (data, training and the
final test accuracy; compilation and a warm-up sweep are timed apart), divided by the
runs. Prints the keys of `seedscope bench --json`.

    pip install jax numpy
    python3 benches/peer/jax_vmap.py --sweep reference
    python3 benches/peer/jax_vmap.py --sweep digits
"""

import argparse
import math
import os
import time

os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                           "intra_op_parallelism_threads=1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from peer_data import SWEEPS, measure, sweep_data  # noqa: E402

BETA1, BETA2, EPS = 0.9, 0.999, 1e-7  # Keras' epsilon, as seedscope


def make_train(widths, dropout, lr, batch, epochs, classes, n_train):
    n_batches = math.ceil(n_train / batch)
    padded = n_batches * batch
    layers = len(widths) - 1

    def init(key):
        params = []
        for (fan_in, fan_out), k in zip(zip(widths, widths[1:]), jax.random.split(key, layers)):
            limit = math.sqrt(6 / (fan_in + fan_out))  # Glorot uniform, zero biases
            params.append((jax.random.uniform(k, (fan_in, fan_out), jnp.float32, -limit, limit),
                           jnp.zeros(fan_out, jnp.float32)))
        return params

    def forward(params, x, key=None):
        keys = None if key is None else jax.random.split(key, layers)
        for index, (w, b) in enumerate(params):
            x = x @ w + b
            if index + 1 < layers:
                x = jax.nn.relu(x)
                if key is not None:
                    keep = jax.random.bernoulli(keys[index], 1 - dropout, x.shape)
                    x = jnp.where(keep, x / (1 - dropout), 0.0)
        return x

    def loss(params, x, y, weight, key):
        z = forward(params, x, key)
        if classes is None:
            per_row = (jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))[:, 0]
        else:
            per_row = -jnp.take_along_axis(jax.nn.log_softmax(z), y[:, None], axis=1)[:, 0]
        return jnp.sum(per_row * weight) / jnp.sum(weight)

    grad = jax.grad(loss)
    row_weight = (jnp.arange(padded) < n_train).astype(jnp.float32).reshape(n_batches, batch)

    def train(key, x, y):
        init_key, run_key = jax.random.split(key)
        params = init(init_key)
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)

        def step(state, inputs):
            params, m, v, t = state
            rows, weight, key = inputs
            g = grad(params, x[rows], y[rows], weight, key)
            t = t + 1
            m = jax.tree_util.tree_map(lambda m, g: BETA1 * m + (1 - BETA1) * g, m, g)
            v = jax.tree_util.tree_map(lambda v, g: BETA2 * v + (1 - BETA2) * g * g, v, g)
            size = lr * jnp.sqrt(1 - BETA2 ** t) / (1 - BETA1 ** t)
            eps = EPS * jnp.sqrt(1 - BETA2 ** t)
            params = jax.tree_util.tree_map(
                lambda p, m, v: p - size * m / (jnp.sqrt(v) + eps), params, m, v)
            return (params, m, v, t), None

        def epoch(state, key):
            shuffle_key, dropout_key = jax.random.split(key)
            order = jax.random.permutation(shuffle_key, n_train)
            rows = jnp.concatenate([order, jnp.zeros(padded - n_train, order.dtype)])
            inputs = (rows.reshape(n_batches, batch), row_weight,
                      jax.random.split(dropout_key, n_batches))
            return jax.lax.scan(step, state, inputs)[0], None

        state = (params, zeros, zeros, jnp.float32(0))
        state, _ = jax.lax.scan(epoch, state, jax.random.split(run_key, epochs))
        return state[0]

    def accuracy(params, x, y):
        z = forward(params, x)
        predicted = (z[:, 0] > 0).astype(jnp.float32) if classes is None else jnp.argmax(z, 1)
        truth = y[:, 0] if classes is None else y
        return jnp.mean(predicted == truth)

    return jax.jit(jax.vmap(train)), jax.jit(jax.vmap(accuracy))


def timed_sweep(sweep, runs, first_seed, train, accuracy):
    started, cpu = time.perf_counter(), time.process_time()
    x, y, x_test, y_test = sweep_data(sweep, range(first_seed, first_seed + runs))
    keys = jax.random.split(jax.random.PRNGKey(first_seed), runs)
    params = train(keys, x, y)
    accuracies = np.asarray(accuracy(params, x_test, y_test))
    return time.perf_counter() - started, time.process_time() - cpu, accuracies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", choices=sorted(SWEEPS), default="reference")
    parser.add_argument("--runs", type=int, default=240)
    args = parser.parse_args()
    settings = SWEEPS[args.sweep]
    n_train = sweep_data(args.sweep, [0])[0].shape[1]
    train, accuracy = make_train(n_train=n_train, **settings)
    measure("jax vmap+jit", args.sweep, args.runs,
            lambda runs, first: timed_sweep(args.sweep, runs, first, train, accuracy))

if __name__ == "__main__":
    main()
