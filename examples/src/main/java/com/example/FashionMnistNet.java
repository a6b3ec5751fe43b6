package com.example;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Relu;
import dev.kiln.Sgd;

/**
 * The Fashion-MNIST classifier of {@link FashionMnist}: a 784 → 256 → 128 → 10 ReLU perceptron,
 * cross-entropy with label smoothing 0.1, SGD with momentum 0.9. The learning rate here is
 * the peak the cosine schedule starts from.
 */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.1, momentum = 0.9)
public abstract class FashionMnistNet {
    @Linear(in = 28 * 28, out = 256) @Relu Layer hidden1;
    @Linear(in = 256, out = 128) @Relu Layer hidden2;
    @Linear(in = 128, out = 10) Layer output;
}
