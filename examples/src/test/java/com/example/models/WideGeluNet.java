package com.example.models;

import dev.kiln.Gelu;
import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Sgd;

/**
 * Layers wide enough for the blocked kernels, the first deeper than one depth block (512), trained with
 * Nesterov momentum and weight decay.
 */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.05, momentum = 0.9, nesterov = true, weightDecay = 1e-4)
public abstract class WideGeluNet {
    @Linear(in = 600, out = 48) @Gelu Layer hidden;
    @Linear(in = 48, out = 10) Layer output;
}
