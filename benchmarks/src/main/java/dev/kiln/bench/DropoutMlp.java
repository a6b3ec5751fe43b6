package dev.kiln.bench;

import dev.kiln.Adam;
import dev.kiln.Dropout;
import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Relu;

/**
 * {@link FashionMlp}'s shapes with dropout after both hidden layers and Adam: a step that also draws
 * 49,152 random numbers and updates two moment buffers per parameter.
 */
@Model
@Loss(labelSmoothing = 0.1)
@Adam(lr = 1e-3)
public abstract class DropoutMlp {
    @Linear(in = 784, out = 256) @Relu @Dropout(p = 0.2) Layer fc1;
    @Linear(in = 256, out = 128) @Relu @Dropout(p = 0.2) Layer fc2;
    @Linear(in = 128, out = 10) Layer fc3;
}
