package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShuffleTest {

    /** shuffle-reference.txt comes from an independent Python implementation of the documented algorithm. */
    @Test
    void matchesPythonReferenceImplementation() throws IOException {
        List<String> lines = Files.readAllLines(TestData.resource("shuffle-reference.txt"));
        int permutations = 0;
        int epochSeeds = 0;
        for (String line : lines) {
            if (line.startsWith("#")) {
                continue;
            }
            String[] keyAndValues = line.split(":", 2);
            String[] key = keyAndValues[0].split(" ");
            long seed = Long.parseLong(key[1]);
            String values = keyAndValues[1].strip();
            if (key[0].equals("permutation")) {
                int n = Integer.parseInt(key[2]);
                int[] expected = values.isEmpty()
                        ? new int[0]
                        : Arrays.stream(values.split(" ")).mapToInt(Integer::parseInt).toArray();
                assertArrayEquals(expected, Shuffle.permutation(seed, n), line);
                permutations++;
            } else {
                long epoch = Long.parseLong(key[2]);
                assertEquals(Long.parseLong(values), Shuffle.epochSeed(seed, epoch), line);
                epochSeeds++;
            }
        }
        assertEquals(8, permutations);
        assertEquals(12, epochSeeds);
    }

    @Test
    void permutationContainsEveryIndexOnce() {
        int[] order = Shuffle.permutation(99, 1000);
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertFalse(Arrays.equals(order, sorted), "1000 elements should not stay in place");
    }

    @Test
    void permutationIntoArrayOverwritesPreviousContents() {
        int[] order = new int[50];
        Arrays.fill(order, 7);
        Shuffle.permutation(3, order);
        assertArrayEquals(Shuffle.permutation(3, 50), order);
    }

    @Test
    void differentSeedsAndEpochsGiveDifferentOrders() {
        assertNotEquals(Arrays.toString(Shuffle.permutation(1, 100)), Arrays.toString(Shuffle.permutation(2, 100)));
        assertNotEquals(Shuffle.epochSeed(5, 0), Shuffle.epochSeed(5, 1));
        assertNotEquals(Shuffle.epochSeed(5, 0), Shuffle.epochSeed(6, 0));
    }

    /** Each position receives each element about equally often (chi-square over 4000 shuffles of 5). */
    @Test
    void positionsAreUniform() {
        int n = 5;
        int trials = 4000;
        int[][] counts = new int[n][n];
        int[] order = new int[n];
        for (int t = 0; t < trials; t++) {
            Shuffle.permutation(Shuffle.epochSeed(11, t), order);
            for (int position = 0; position < n; position++) {
                counts[position][order[position]]++;
            }
        }
        double expected = (double) trials / n;
        double chiSquare = 0;
        for (int[] row : counts) {
            for (int count : row) {
                chiSquare += (count - expected) * (count - expected) / expected;
            }
        }
        // (n - 1)^2 = 16 degrees of freedom: the 0.1% tail starts at 39.3.
        assertTrue(chiSquare < 39.3, "chi-square " + chiSquare);
    }
}
