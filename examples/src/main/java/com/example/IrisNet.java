package com.example;

import dev.kiln.Adam;
import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Model;
import dev.kiln.Relu;

/** The classifier of {@link Iris}: four measurements, one hidden ReLU layer of 16, three species. */
@Model
@Adam(lr = 0.01)
public abstract class IrisNet {
    @Linear(in = 4, out = 16) @Relu Layer hidden;
    @Linear(in = 16, out = 3) Layer output;
}
