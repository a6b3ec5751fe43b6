package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetTest {

    /** Row i has features (i, 10 i, 100 i) and label i % 3, so a row's identity survives any reordering. */
    private static Dataset rows(int n) {
        float[] x = new float[n * 3];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            x[3 * i] = i;
            x[3 * i + 1] = 10 * i;
            x[3 * i + 2] = 100 * i;
            labels[i] = i % 3;
        }
        return Dataset.of(x, labels, 3, 3);
    }

    private static void assertRowIntact(Dataset data, int row) {
        int id = (int) data.feature(row, 0);
        assertEquals(10f * id, data.feature(row, 1));
        assertEquals(100f * id, data.feature(row, 2));
        assertEquals(id % 3, data.label(row));
    }

    private static int[] ids(Dataset data) {
        int[] ids = new int[data.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) data.feature(i, 0);
        }
        return ids;
    }

    @Test
    void exposesShapeAndContents() {
        Dataset data = rows(4);
        assertEquals(4, data.size());
        assertEquals(3, data.features());
        assertEquals(3, data.classes());
        assertEquals(List.of(), data.classNames());
        assertArrayEquals(new int[] {0, 1, 2, 0}, data.labelArray());
        assertArrayEquals(new float[] {0, 0, 0, 1, 10, 100, 2, 20, 200, 3, 30, 300}, data.featureArray());
        assertArrayEquals(new int[] {2, 1, 1}, data.classCounts());
        assertEquals("Dataset[size=4, features=3, classes=3]", data.toString());
    }

    @Test
    void copiesItsInputsAndOutputs() {
        float[] x = {1, 2};
        int[] labels = {0, 1};
        Dataset data = Dataset.of(x, labels, 1, 2);
        x[0] = 9;
        labels[0] = 1;
        data.featureArray()[1] = 9;
        data.labelArray()[1] = 0;
        assertArrayEquals(new float[] {1, 2}, data.featureArray());
        assertArrayEquals(new int[] {0, 1}, data.labelArray());
    }

    @Test
    void rejectsInconsistentInput() {
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[5], new int[2], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[2], new int[] {0, 2}, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[2], new int[] {0, -1}, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[] {1, Float.NaN}, new int[2], 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[0], new int[0], 0, 2));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[0], new int[0], 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> Dataset.of(new float[1], new int[1], 1, 2, List.of("only one")));
        var e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(new float[3], new int[] {0, 0, 5}, 1, 2));
        assertEquals("label 5 of row 2 is outside [0, 2)", e.getMessage());
    }

    @Test
    void sliceIsAViewOfTheRange() {
        Dataset slice = rows(10).slice(3, 7);
        assertArrayEquals(new int[] {3, 4, 5, 6}, ids(slice));
        assertArrayEquals(new int[] {5, 6}, ids(slice.slice(2, 4)));
        assertArrayEquals(new int[] {0, 1, 2, 0}, slice.labelArray());
        assertArrayEquals(new int[] {2, 1, 1}, slice.classCounts());
        assertEquals(0, rows(10).slice(4, 4).size());
        assertThrows(IndexOutOfBoundsException.class, () -> slice.label(4));
        assertThrows(IndexOutOfBoundsException.class, () -> slice.feature(0, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> slice.slice(2, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> slice.slice(3, 2));
    }

    @Test
    void subsetCopiesTheGivenRowsInOrder() {
        Dataset subset = rows(10).slice(2, 10).subset(new int[] {5, 0, 5});
        assertArrayEquals(new int[] {7, 2, 7}, ids(subset));
        for (int i = 0; i < subset.size(); i++) {
            assertRowIntact(subset, i);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> rows(3).subset(new int[] {3}));
    }

    @Test
    void shuffleIsTheSeededPermutationOfWholeRows() {
        Dataset data = rows(50);
        Dataset shuffled = data.shuffle(17);
        assertArrayEquals(Shuffle.permutation(17, 50), ids(shuffled));
        for (int i = 0; i < shuffled.size(); i++) {
            assertRowIntact(shuffled, i);
        }
        assertArrayEquals(ids(shuffled), ids(data.shuffle(17)));
        assertNotEquals(Arrays.toString(ids(shuffled)), Arrays.toString(ids(data.shuffle(18))));
    }

    @Test
    void splitPartitionsTheShuffledRows() {
        Dataset data = rows(150);
        Dataset.Split split = data.split(0.2, 5);
        assertEquals(120, split.train().size());
        assertEquals(30, split.validation().size());
        int[] shuffledIds = ids(data.shuffle(5));
        assertArrayEquals(Arrays.copyOfRange(shuffledIds, 0, 120), ids(split.train()));
        assertArrayEquals(Arrays.copyOfRange(shuffledIds, 120, 150), ids(split.validation()));
        Set<Integer> seen = new HashSet<>();
        for (int id : shuffledIds) {
            assertTrue(seen.add(id));
        }
        assertEquals(150, seen.size());
    }

    @Test
    void splitRoundsTheValidationSizeAndAcceptsTheExtremes() {
        assertEquals(3, rows(10).split(0.25, 1).validation().size());
        assertEquals(0, rows(10).split(0, 1).validation().size());
        assertEquals(10, rows(10).split(1, 1).validation().size());
        assertThrows(IllegalArgumentException.class, () -> rows(10).split(1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> rows(10).split(Double.NaN, 1));
    }

    @Test
    void keepsClassNamesThroughViewsAndCopies() {
        Dataset named = Dataset.of(new float[] {1, 2}, new int[] {1, 0}, 1, 2, List.of("cat", "dog"));
        assertEquals(List.of("cat", "dog"), named.shuffle(1).classNames());
        assertEquals(List.of("cat", "dog"), named.slice(0, 1).classNames());
        assertEquals(List.of("cat", "dog"), named.split(0.5, 1).validation().classNames());
    }
}
