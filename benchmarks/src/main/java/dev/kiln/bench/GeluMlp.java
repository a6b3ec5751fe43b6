package dev.kiln.bench;

import dev.kiln.Gelu;
import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Sgd;

/**
 * {@link FashionMlp}'s shapes with GELU (exact, erf-based) instead of ReLU: a model whose step is not
 * all matrix products, since each GELU value and derivative costs a transcendental function.
 */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.01, momentum = 0.9)
public abstract class GeluMlp {
    @Linear(in = 784, out = 256) @Gelu Layer fc1;
    @Linear(in = 256, out = 128) @Gelu Layer fc2;
    @Linear(in = 128, out = 10) Layer fc3;
}
