package dev.kiln.bench;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Sgd;

/** The PyTorch label-smoothing tutorial's model, {@code Linear(3, 3)}, trained on batches of 3. */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.01, momentum = 0.9)
public abstract class SeedModel {
    @Linear(in = 3, out = 3) Layer fc;
}
