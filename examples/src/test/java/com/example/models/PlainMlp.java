package com.example.models;

import dev.kiln.Adam;
import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Tanh;

/** {@link DropoutMlp} without dropout. */
@Model
@Loss(labelSmoothing = 0.1)
@Adam(lr = 0.01, amsgrad = true)
public abstract class PlainMlp {
    @Linear(in = 5, out = 7) @Tanh Layer hidden;
    @Linear(in = 7, out = 4) Layer output;
}
