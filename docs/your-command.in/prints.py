"""A training script written without seedscope: it takes its seed as a flag and prints its
score. Logistic regression on two noisy blobs, in the standard library only."""
import argparse
import math
import random

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--epochs", type=int, default=2)
args = parser.parse_args()

rng = random.Random(args.seed)
data = random.Random(7)  # the data set is fixed: the same points in every run
points = [((data.gauss(c, 1.3), data.gauss(c, 1.3)), label)
          for label, c in ((0, -0.6), (1, 0.6)) for _ in range(150)]
data.shuffle(points)
train, test = points[:200], points[200:]

w = [rng.gauss(0, 1), rng.gauss(0, 1)]
b = 0.0
for epoch in range(1, args.epochs + 1):
    rng.shuffle(train)
    for (x, y), label in train:
        p = 1 / (1 + math.exp(-(w[0] * x + w[1] * y + b)))
        g = p - label
        w[0] -= 0.3 * g * x
        w[1] -= 0.3 * g * y
        b -= 0.3 * g
    correct = sum((w[0] * x + w[1] * y + b > 0) == bool(label) for (x, y), label in test)
    print(f"epoch {epoch}: {correct}/{len(test)} correct ({100 * correct / len(test):.1f}%)")
print(f"test: {correct}/{len(test)} correct")
