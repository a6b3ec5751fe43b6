package com.example.models;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Sgd;

/** A model whose ignore index is a real class, which PyTorch forbids with probability targets. */
@Model
@Loss(ignoreIndex = 1)
@Sgd(lr = 0.1)
public abstract class IgnoringNet {
    @Linear(in = 5, out = 4) Layer fc;
}
