package com.example.models;

import dev.kiln.Dropout;
import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Model;
import dev.kiln.Relu;
import dev.kiln.Sgd;

/** Dropout with p = 1: the hidden layer's output is all zeros while training. */
@Model
@Sgd(lr = 0.5)
public abstract class FullDropoutMlp {
    @Linear(in = 5, out = 7) @Relu @Dropout(p = 1.0) Layer hidden;
    @Linear(in = 7, out = 4) Layer output;
}
