package dev.kiln.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ChecksTest {

    @Test
    void messagesNameTheArgumentAndPosition() {
        assertEquals("x has 5 values but n = 2 rows of 3 need 6",
                assertThrows(IllegalArgumentException.class, () -> Checks.inputs(new float[5], 2, 3)).getMessage());
        assertEquals("n must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> Checks.inputs(new float[5], 0, 3)).getMessage());
        assertEquals("x[4] (row 1, column 1) is NaN: values must be finite",
                assertThrows(IllegalArgumentException.class,
                        () -> Checks.inputs(new float[] {0, 0, 0, 0, Float.NaN, 0}, 2, 3)).getMessage());
        assertEquals("targets[0] (row 0, column 0) is Infinity: values must be finite",
                assertThrows(IllegalArgumentException.class,
                        () -> Checks.targets(new float[] {Float.POSITIVE_INFINITY}, 1, 1)).getMessage());
        assertEquals("labels[1] = 3 is out of bounds: classes are 0..2 and the ignore index is -100",
                assertThrows(IllegalArgumentException.class,
                        () -> Checks.labels(new int[] {0, 3}, 2, 3, -100)).getMessage());
        assertEquals("labels[0] = -1 is out of bounds: classes are 0..2",
                assertThrows(IllegalArgumentException.class,
                        () -> Checks.labels(new int[] {-1}, 1, 3, 1)).getMessage());
        assertEquals("out has 3 values but 2 rows of 2 need 4",
                assertThrows(IllegalArgumentException.class, () -> Checks.output(new float[3], 2, 2)).getMessage());
    }

    @Test
    void acceptsIgnoreIndexAndLongerArrays() {
        Checks.labels(new int[] {-100, 2, 0, 99}, 3, 3, -100);
        Checks.inputs(new float[] {1, 2, 3, Float.NaN}, 1, 3); // only the first n rows are read
    }

    @Test
    void hugeBatchesDoNotOverflow() {
        assertThrows(IllegalArgumentException.class, () -> Checks.inputs(new float[4], Integer.MAX_VALUE, 4));
    }
}
