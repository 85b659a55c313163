"""The reference sweep in PyTorch eager mode, for measuring seedscope against a peer.

Same experiment as `seedscope bench` (assets/presets/reference.json): circles (1000 points,
noise 0.1, test fraction 0.3), MLP 2-16-16-1 ReLU with dropout 0.1, Adam lr 0.01, batch 32,
100 epochs; 30 repeats of 8 conditions = 240 runs. Each run is trained on its own, one thread,
as a PyTorch user would write it, on one worker process per core (seedscope's default too).
Prints the same figures as `seedscope bench --json`; ms_per_run is the workers' CPU time.

    pip install torch numpy
    python3 benches/peer/reference_sweep.py            # all 240 runs
    python3 benches/peer/reference_sweep.py --runs 24  # a sample, scaled up to 240
"""

import numpy as np
import torch

from peer_data import circles
from peer_timing import time_sweep


def one_run(seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    x, y = circles(1000, 0.1, rng)
    order = rng.permutation(1000)
    test, train = order[:300], order[300:]
    xt, yt = torch.from_numpy(x[train]), torch.from_numpy(y[train])
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(16, 1),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(100):
        perm = torch.randperm(len(xt))
        for start in range(0, len(xt), 32):
            idx = perm[start:start + 32]
            optimizer.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(x[test])) > 0
        return (predicted.float() == torch.from_numpy(y[test])).float().mean().item()


if __name__ == "__main__":
    time_sweep(one_run)
