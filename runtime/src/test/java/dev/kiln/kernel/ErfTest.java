package dev.kiln.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErfTest {

    /** Reference values from CPython's math.erf / math.erfc (the C library's, an independent implementation). */
    @ParameterizedTest
    @CsvSource({
        "0.0, 0.0",
        "0.1, 0.1124629160182849",
        "0.5, 0.5204998778130465",
        "1.0, 0.8427007929497149",
        "2.0, 0.9953222650189527",
        "2.4999, 0.9995928300996666",
        "3.0, 0.9999779095030014",
        "-1.5, -0.9661051464753108",
        "-4.0, -0.9999999845827421",
    })
    void erfIsWithinItsAbsoluteBound(double x, double expected) {
        assertEquals(expected, Erf.erf(x), 2.4e-7);
    }

    /** The tail keeps its relative accuracy: what exact GELU needs for negative inputs. */
    @ParameterizedTest
    @CsvSource({
        "0.0, 1.0",
        "0.3, 0.6713732405408726",
        "0.7, 0.32219880616258156",
        "3.0, 2.2090496998585438e-05",
        "5.0, 1.5374597944280351e-12",
        "10.0, 2.088487583762545e-45",
    })
    void erfcKeepsRelativeAccuracyInTheTail(double x, double expected) {
        assertEquals(expected, Erf.erfc(x), 1.2e-7 * expected);
    }

    @Test
    void erfIsOddAndSaturates() {
        for (double x = 0; x < 8; x += 0.173) {
            assertEquals(-Erf.erf(x), Erf.erf(-x), 1e-15);
        }
        assertEquals(1.0, Erf.erf(30), 0.0);
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY), 0.0);
        assertEquals(Double.NaN, Erf.erf(Double.NaN));
    }
}
