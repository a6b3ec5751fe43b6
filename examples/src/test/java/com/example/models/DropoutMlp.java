package com.example.models;

import dev.kiln.Adam;
import dev.kiln.Dropout;
import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Tanh;

/** Dropout after a Tanh hidden layer, trained with Adam: every kind of state a checkpoint must keep. */
@Model
@Loss(labelSmoothing = 0.1)
@Adam(lr = 0.01, amsgrad = true)
public abstract class DropoutMlp {
    @Linear(in = 5, out = 7) @Tanh @Dropout(p = 0.5) Layer hidden;
    @Linear(in = 7, out = 4) Layer output;
}
