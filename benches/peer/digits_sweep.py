"""The digits sweep in PyTorch eager mode, the peer of `seedscope bench --preset digits`.

Same experiment as assets/presets/digits.json: scikit-learn's digits (1797 images of 8x8,
read from assets/datasets/digits.csv.gz), a stratified 30% test split, features
standardised with the training rows' mean and std, MLP 64-32-10 ReLU with dropout 0.1,
softmax cross-entropy, Adam lr 0.005, batch 32, 15 epochs; 30 repeats of 8 conditions =
240 runs. Each run is trained on its own, one thread, on one worker process per core
(seedscope's default too). Prints the same figures as `seedscope bench --json`.

    pip install torch numpy
    python3 benches/peer/digits_sweep.py            # all 240 runs
    python3 benches/peer/digits_sweep.py --runs 24  # a sample, scaled up to 240
"""

import numpy as np
import torch

from peer_data import load_digits, stratified_split
from peer_timing import time_sweep

X, Y = load_digits()


def one_run(seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    test, train = stratified_split(Y, rng)
    mean, std = X[train].mean(0), X[train].std(0)
    std[std == 0] = 1
    xt = torch.from_numpy((X[train] - mean) / std)
    yt = torch.from_numpy(Y[train])
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(32, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(15):
        perm = torch.randperm(len(xt))
        for start in range(0, len(xt), 32):
            idx = perm[start:start + 32]
            optimizer.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy((X[test] - mean) / std))
        return (logits.argmax(1) == torch.from_numpy(Y[test])).float().mean().item()


if __name__ == "__main__":
    time_sweep(one_run, lambda accuracy: {"single_run_accuracy": accuracy})
