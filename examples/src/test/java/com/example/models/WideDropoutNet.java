package com.example.models;

import dev.kiln.Adam;
import dev.kiln.Dropout;
import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Silu;
import dev.kiln.Tanh;

/**
 * Wide layers with dropout, two transcendental activations and AMSGrad; its last layer (240 weights)
 * runs the small-layer loops at small batches and the kernels at large ones.
 */
@Model
@Loss(labelSmoothing = 0.05)
@Adam(lr = 0.002, amsgrad = true)
public abstract class WideDropoutNet {
    @Linear(in = 530, out = 40) @Tanh @Dropout(p = 0.2) Layer hidden;
    @Linear(in = 40, out = 24) @Silu Layer middle;
    @Linear(in = 24, out = 10) Layer output;
}
