package dev.kiln.bench;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Sgd;
import dev.kiln.Sigmoid;

/**
 * A small tabular classifier, 100 → 200 → 200 → 2 with sigmoids, trained with Nesterov momentum and
 * weight decay on batches of 64: steps small enough that a second thread can cost more than it gives.
 */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.01, momentum = 0.9, nesterov = true, weightDecay = 1e-4)
public abstract class SigmoidMlp {
    @Linear(in = 100, out = 200) @Sigmoid Layer fc1;
    @Linear(in = 200, out = 200) @Sigmoid Layer fc2;
    @Linear(in = 200, out = 2) Layer fc3;
}
