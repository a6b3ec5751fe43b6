package dev.kiln.bench;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Relu;
import dev.kiln.Sgd;

/** A small classifier of awkward widths, 100 → 37 → 5 with ReLU, trained on batches of 50. */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.01, momentum = 0.9)
public abstract class SmallMlp {
    @Linear(in = 100, out = 37) @Relu Layer fc1;
    @Linear(in = 37, out = 5) Layer fc2;
}
