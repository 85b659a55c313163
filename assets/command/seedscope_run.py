"""seedscope's helper for a Python training script: one file, standard library only.

    seedscope helper python > seedscope_run.py

In your script:

    import seedscope_run as ss
    seeds = ss.seeds()              # one seed per source, from seedscope (or fixed defaults)
    ss.seed_everything(seeds)       # random, NumPy, PyTorch, TensorFlow, JAX where present
    rng_split = ss.rng("split")     # a random.Random of its own for each source
    ...
    ss.report(metric="accuracy", value=acc, higher_is_better=True,
              test_ids=ids, test_errors=errors, model=model)

Each run seedscope starts gets SEEDSCOPE_SEED_DATA, _SPLIT, _INIT, _DROPOUT and _SHUFFLE
(equal across a condition's runs where that source is fixed), SEEDSCOPE_THREADS,
SEEDSCOPE_DETERMINISTIC (the gpu source) and SEEDSCOPE_RESULT, where `report` writes the
result. Run outside seedscope, every seed is 0 and `report` prints the result instead.
"""

import hashlib
import json
import os
import random
import sys

SOURCES = ("data", "split", "init", "dropout", "shuffle")


def seeds():
    """Every source's seed (an int below 2**64), as seedscope set it for this run."""
    out = {}
    for source in SOURCES:
        text = os.environ.get("SEEDSCOPE_SEED_" + source.upper(), "0")
        out[source] = int(text)
    return out


def seed(source):
    """One source's seed."""
    if source not in SOURCES:
        raise ValueError("unknown source %r; one of %s" % (source, ", ".join(SOURCES)))
    return seeds()[source]


def seed32(source):
    """One source's seed folded into 32 bits (NumPy's legacy seeding and many libraries'
    `random_state` want one)."""
    value = seed(source)
    return (value ^ (value >> 32)) & 0xFFFFFFFF


def rng(source):
    """A `random.Random` of its own for `source`: draws from it move with that source alone."""
    return random.Random(seed(source))


def threads():
    """The thread count this run was given (1 when the threads source is fixed)."""
    return int(os.environ.get("SEEDSCOPE_THREADS", "1"))


def deterministic():
    """Whether deterministic GPU kernels are asked for (the gpu source fixed)."""
    return os.environ.get("SEEDSCOPE_DETERMINISTIC", "1") == "1"


def run_id():
    """This run as `condition/index`, e.g. `only-init/3`."""
    return os.environ.get("SEEDSCOPE_RUN", "")


def seed_everything(seed_values=None):
    """Seeds the global generators under the init seed (the global state is what a library
    initialiser draws from), and applies the threads and gpu sources. Draw the split, the
    shuffle order and the dropout masks from generators of their own (`rng`,
    `torch_generator`), so each source moves alone."""
    seed_values = seed_values or seeds()
    init = seed_values["init"]
    random.seed(init)
    try:
        import numpy

        numpy.random.seed((init ^ (init >> 32)) & 0xFFFFFFFF)
    except ImportError:
        pass
    try:
        import torch

        torch.manual_seed(init)
        torch.set_num_threads(threads())
        torch.use_deterministic_algorithms(deterministic(), warn_only=False)
        if deterministic():
            torch.backends.cudnn.benchmark = False
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
    except ImportError:
        pass
    try:
        import tensorflow as tf

        tf.random.set_seed(init % (2**31))
        if deterministic():
            tf.config.experimental.enable_op_determinism()
    except ImportError:
        pass


def torch_generator(source, device="cpu"):
    """A `torch.Generator` seeded for `source` (a DataLoader's shuffle, dropout masks)."""
    import torch

    generator = torch.Generator(device=device)
    generator.manual_seed(seed(source))
    return generator


def jax_key(source):
    """A JAX PRNG key for `source`."""
    import jax

    return jax.random.PRNGKey(seed32(source))


def weights_hash(model=None, tensors=None):
    """A hex SHA-256 of a model's weights' bits, in a fixed order: two runs with equal hashes
    trained bitwise-identical weights. Give a PyTorch module, or a list of numbers / arrays."""
    digest = hashlib.sha256()
    if model is not None and hasattr(model, "state_dict"):
        for name, tensor in sorted(model.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()
    for item in tensors if tensors is not None else model:
        if hasattr(item, "tobytes"):
            digest.update(item.tobytes())
        else:
            digest.update(repr(float(item)).encode())
    return digest.hexdigest()


def report(metric, value, higher_is_better, test_ids=None, test_errors=None, predictions=None,
           curve=None, train_loss=None, weights=None, model=None, fresh_value=None):
    """Writes this run's result where seedscope reads it (SEEDSCOPE_RESULT). `metric` names
    what `value` measures ("accuracy" is a share 0..1, higher is better; "mse" lower); per
    test example, `test_ids` and `test_errors` (0/1 or a loss) unlock test-set noise and
    churn. `weights` (a list of numbers or arrays) or `model` (a PyTorch module) gives the
    weights hash that lets seedscope say "bitwise identical"."""
    result = {"metric": metric, "value": float(value), "higher_is_better": bool(higher_is_better)}
    if test_ids is not None:
        result["test_ids"] = [int(i) for i in test_ids]
    if test_errors is not None:
        result["test_errors"] = [float(e) for e in test_errors]
    if predictions is not None:
        result["predictions"] = [float(p) for p in predictions]
    if curve is not None:
        result["curve"] = [float(c) for c in curve]
    if train_loss is not None:
        result["train_loss"] = [float(c) for c in train_loss]
    if fresh_value is not None:
        result["fresh_value"] = float(fresh_value)
    if model is not None or weights is not None:
        result["weights_hash"] = weights_hash(model=model, tensors=weights)
    path = os.environ.get("SEEDSCOPE_RESULT")
    if not path:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
        return
    partial = path + ".partial"
    with open(partial, "w") as handle:
        json.dump(result, handle)
    os.replace(partial, path)
