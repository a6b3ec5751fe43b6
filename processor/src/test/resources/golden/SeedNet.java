package golden;

import dev.kiln.Layer;
import dev.kiln.Linear;
import dev.kiln.Loss;
import dev.kiln.Model;
import dev.kiln.Sgd;

@Model
@Loss(labelSmoothing = 0.1)
@Sgd(lr = 0.1)
public abstract class SeedNet {
    @Linear(in = 3, out = 3) Layer fc;
}
