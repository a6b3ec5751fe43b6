package dev.kiln.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ParameterTableTest {
    private static final ParameterTable TABLE = ParameterTable.of(
            ParameterTable.tensor("fc1.weight", 0, 4, 3),
            ParameterTable.tensor("fc1.bias", 12, 4),
            ParameterTable.tensor("fc2.weight", 16, 2, 4),
            ParameterTable.tensor("scale", 24));

    @Test
    void sizeIsTheEndOfTheLastTensor() {
        assertEquals(25, TABLE.size());
    }

    @Test
    void rowsGiveOffsetRowCountAndRowLengthOfEachTensor() {
        assertArrayEquals(new int[] {0, 4, 3, 12, 4, 1, 16, 2, 4, 24, 1, 1}, TABLE.rows());
    }

    @Test
    void rejectsTensorsThatAreNotPackedInOrder() {
        assertThrows(IllegalArgumentException.class, () -> ParameterTable.of(
                ParameterTable.tensor("a", 0, 2), ParameterTable.tensor("b", 3, 2)));
    }
}
