package golden;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Relu;
import dev.kiln.Sgd;

/** Layers large enough for the blocked kernels, the JIT warm-up and the inference copies of the weights. */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.01, momentum = 0.9)
public abstract class FashionMlp {
    @Linear(in = 784, out = 256) @Relu Layer fc1;
    @Linear(in = 256, out = 128) @Relu Layer fc2;
    @Linear(in = 128, out = 10) Layer fc3;
}
