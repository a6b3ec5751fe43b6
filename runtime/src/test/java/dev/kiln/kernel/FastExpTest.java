package dev.kiln.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FastExpTest {

    @Test
    void agreesWithMathExpOverTheWholeRange() {
        for (double x = 0; x > -720; x -= 0.0137) {
            double expected = Math.exp(x);
            assertEquals(expected, FastExp.expNonPositive(x), 1e-12 * expected + Double.MIN_NORMAL, "x = " + x);
        }
        assertEquals(1.0, FastExp.expNonPositive(0.0), 0.0);
        assertEquals(1.0, FastExp.expNonPositive(-0.0), 0.0);
        assertEquals(0.0, FastExp.expNonPositive(Double.NEGATIVE_INFINITY), 0.0);
        assertEquals(Math.exp(-1e-300), FastExp.expNonPositive(-1e-300), 0.0);
    }
}
