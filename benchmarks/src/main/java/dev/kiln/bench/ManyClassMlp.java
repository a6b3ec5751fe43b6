package dev.kiln.bench;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Relu;
import dev.kiln.Sgd;

/**
 * A classifier with a thousand classes, 784 → 512 → 1000 with ReLU, trained on batches of 128: the loss
 * over 128,000 logits weighs as much as a product.
 */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.01, momentum = 0.9)
public abstract class ManyClassMlp {
    @Linear(in = 784, out = 512) @Relu Layer fc1;
    @Linear(in = 512, out = 1000) Layer fc2;
}
