package dev.kiln.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ErfTest {

    /** Reference values from CPython's math.erf / math.erfc (the C library's, an independent implementation). */
    @ParameterizedTest
    @CsvSource({
        "0.0, 0.0",
        "0.1, 0.1124629160182848922032750717439",
        "0.5, 0.5204998778130465376827466538919",
        "1.0, 0.8427007929497148693412206350826",
        "2.0, 0.9953222650189527341620692563672",
        "2.4999, 0.9995928300996666",
        "2.5, 0.9995930479825550410604357842400",
        "3.0, 0.9999779095030014145586272238705",
        "-1.5, -0.9661051464753107270669762616459",
        "-4.0, -0.9999999845827420997199811478404",
    })
    void erfMatchesHighPrecisionValues(double x, double expected) {
        assertEquals(expected, Erf.erf(x), 1e-14 * Math.max(1, Math.abs(expected)));
    }

    @ParameterizedTest
    @CsvSource({
        "3.0, 2.209049699858544137277612958232e-5",
        "5.0, 1.537459794428034850188343485383e-12",
        "10.0, 2.088487583762544757000786294957e-45",
        "-3.0, 1.999977909503001414558627223870",
    })
    void erfcKeepsRelativeAccuracyInTheTail(double x, double expected) {
        assertEquals(expected, Erf.erfc(x), 1e-13 * Math.abs(expected));
    }

    @Test
    void erfIsOddAndSaturates() {
        for (double x = 0; x < 8; x += 0.173) {
            assertEquals(-Erf.erf(x), Erf.erf(-x), 0.0);
        }
        assertEquals(1.0, Erf.erf(30), 0.0);
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY), 0.0);
        assertEquals(Double.NaN, Erf.erf(Double.NaN));
    }
}
