package dev.kiln.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each activation's derivative against a central finite difference of the function itself. */
class ActivationTest {

    static Stream<Activation> activations() {
        return Stream.of(Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.2f), Activation.TANH,
                Activation.SIGMOID, Activation.GELU, Activation.GELU_TANH, Activation.SILU);
    }

    @ParameterizedTest
    @MethodSource("activations")
    void derivativeMatchesFiniteDifference(Activation f) {
        double h = 1e-2;
        for (double x = -6.05; x < 6; x += 0.37) { // never exactly at a kink
            float xf = (float) x;
            double numeric = (f.apply((float) (x + h)) - (double) f.apply((float) (x - h))) / (2 * h);
            float analytic = f.derivative(xf, f.apply(xf));
            assertEquals(numeric, analytic, 2e-3 * Math.max(1, Math.abs(numeric)), f + " at " + x);
        }
    }

    @Test
    void kinksFollowPyTorch() {
        assertEquals(0f, Activation.RELU.derivative(0f, 0f));
        assertEquals(0.2f, Activation.leakyRelu(0.2f).derivative(0f, 0f));
        assertEquals(0f, Activation.RELU.apply(-0f) + 0f);
    }

    @Test
    void geluMatchesItsDefinitionFarOut() {
        // Exact GELU is x·Φ(x); for negative x it subtracts nearly equal numbers, where a short erf fails.
        // Expected values: 0.5·x·(1 + math.erf(x/√2)) in CPython.
        assertEquals(-0.00012668496733247991f, Activation.GELU.apply(-4f), 2e-7f * 0.00012668496733247991f);
        assertEquals(3.9998733150326675f, Activation.GELU.apply(4f), 1e-6f);
        assertEquals(0.8413447460685429f, Activation.GELU.apply(1f), 1e-7f);
    }
}
