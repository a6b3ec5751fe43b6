package golden;

import dev.kiln.AdamW;
import dev.kiln.Dropout;
import dev.kiln.Gelu;
import dev.kiln.Layer;
import dev.kiln.LeakyRelu;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Reduction;

/** Every kind of layer feature: activations with arguments, dropout, no bias, weights, AdamW. */
@Model
@Loss(labelSmoothing = 0.05, weight = {1, 2, 0.5, 1}, ignoreIndex = 3, reduction = Reduction.SUM)
@AdamW(lr = 3e-4, amsgrad = true)
public abstract class Classifier {
    @Linear(in = 8, out = 16) @LeakyRelu(negativeSlope = 0.2) @Dropout(p = 0.25) Layer hiddenOne;
    @Linear(in = 16, out = 12, bias = false) @Gelu(approximate = Gelu.Approximate.TANH) Layer hiddenTwo;
    @Linear(in = 12, out = 4) Layer head;
}
