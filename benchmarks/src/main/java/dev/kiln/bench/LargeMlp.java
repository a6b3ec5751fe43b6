package dev.kiln.bench;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Relu;
import dev.kiln.Sgd;

/** A matrix-product-bound MLP, 1024 → 1024 → 1024 → 10 with ReLU, trained on batches of 256. */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.01, momentum = 0.9)
public abstract class LargeMlp {
    @Linear(in = 1024, out = 1024) @Relu Layer fc1;
    @Linear(in = 1024, out = 1024) @Relu Layer fc2;
    @Linear(in = 1024, out = 10) Layer fc3;
}
