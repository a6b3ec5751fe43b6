package com.example.models;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Relu;
import dev.kiln.Sgd;

/** A small MLP with momentum, so that optimizer state matters. */
@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.05, momentum = 0.9)
public abstract class Mlp {
    @Linear(in = 5, out = 7) @Relu Layer hidden;
    @Linear(in = 7, out = 4) Layer output;
}
