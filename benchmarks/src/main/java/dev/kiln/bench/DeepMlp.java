package dev.kiln.bench;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Relu;
import dev.kiln.Sgd;

/** A deep, narrow classifier: six 64 → 64 ReLU layers and a 64 → 10 output, trained on batches of 32. */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.01, momentum = 0.9)
public abstract class DeepMlp {
    @Linear(in = 64, out = 64) @Relu Layer fc1;
    @Linear(in = 64, out = 64) @Relu Layer fc2;
    @Linear(in = 64, out = 64) @Relu Layer fc3;
    @Linear(in = 64, out = 64) @Relu Layer fc4;
    @Linear(in = 64, out = 64) @Relu Layer fc5;
    @Linear(in = 64, out = 64) @Relu Layer fc6;
    @Linear(in = 64, out = 10) Layer fc7;
}
