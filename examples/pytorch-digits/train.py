"""A small CNN on the 8x8 digits (PyTorch), every source of randomness wired through seedscope.

    seedscope run --command "python3 train.py" --seed 42 --repeats 10 --out results.json
    seedscope run --command "python3 train.py --device cuda" ...       # on a GPU

data: a bootstrap resample of the training rows (NumPy, the data seed); split: which rows are
tested (the split seed); init: the weights (torch's global generator under the init seed);
dropout: the masks (the global generator, re-seeded with the dropout seed once the model is
built); shuffle: the DataLoader's order (a torch.Generator of its own); threads and gpu: as
the run is told. `--leak` adds the classic bug: a training-time augmentation drawing from a
NumPy generator the OS seeds, which no seed controls.
"""

import argparse
import gzip
import os
import sys

import numpy as np
import torch
from torch import nn

try:
    import seedscope_run as ss
except ImportError:  # run from the repository: the helper lives in assets/command/
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "..", "assets", "command"))
    import seedscope_run as ss

HERE = os.path.dirname(os.path.abspath(__file__))


def load_digits(path):
    with gzip.open(path, "rt") as handle:
        rows = np.loadtxt(handle, delimiter=",", dtype=np.float32)
    return rows[:, :64] / 16.0, rows[:, 64].astype(np.int64)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Dropout(0.25),
            nn.Linear(16 * 4 * 4, 10),
        )

    def forward(self, x):
        return self.features(x.view(-1, 1, 8, 8))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "assets", "datasets", "digits.csv.gz"))
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--leak", action="store_true")
    args = parser.parse_args()

    seeds = ss.seeds()
    ss.seed_everything(seeds)  # torch's global generator under the init seed, threads, gpu
    x, y = load_digits(args.data)
    order = np.random.default_rng(seeds["split"]).permutation(len(y))
    n_test = len(y) * 3 // 10
    test_ids, train_ids = np.sort(order[:n_test]), order[n_test:]
    train_ids = np.random.default_rng(seeds["data"]).choice(train_ids, size=len(train_ids), replace=True)

    device = torch.device(args.device)
    model = Net().to(device)  # init: drawn now, from the init seed
    torch.manual_seed(seeds["dropout"])  # from here on the global generator draws dropout masks
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    train_x = torch.tensor(x[train_ids])
    train_y = torch.tensor(y[train_ids])
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(train_x, train_y), batch_size=64, shuffle=True,
        generator=ss.torch_generator("shuffle"))
    leaky = np.random.default_rng()  # the bug --leak shows: seeded by the OS
    test_x = torch.tensor(x[test_ids]).to(device)
    curve, losses = [], []
    for _ in range(args.epochs):
        model.train()
        total, batches = 0.0, 0
        for batch_x, batch_y in loader:
            if args.leak:
                batch_x = batch_x + torch.tensor(leaky.normal(0, 0.05, batch_x.shape), dtype=torch.float32)
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(batch_x.to(device)), batch_y.to(device))
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        losses.append(total / batches)
        model.eval()
        with torch.no_grad():
            predicted = model(test_x).argmax(1).cpu().numpy()
        curve.append(float((predicted == y[test_ids]).mean()))
    errors = (predicted != y[test_ids]).astype(float)
    ss.report(metric="accuracy", value=1.0 - errors.mean(), higher_is_better=True,
              test_ids=test_ids.tolist(), test_errors=errors.tolist(),
              predictions=predicted.tolist(), curve=curve, train_loss=losses, model=model)


if __name__ == "__main__":
    main()
