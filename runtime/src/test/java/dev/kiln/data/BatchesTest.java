package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchesTest {

    /** Row i has features (i, -i) and label i % 4. */
    private static Dataset rows(int n) {
        float[] x = new float[2 * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            labels[i] = i % 4;
        }
        return Dataset.of(x, labels, 2, 4);
    }

    /** The row ids of every remaining batch of the current epoch, checking each row's contents. */
    private static List<int[]> drain(Batches batches) {
        List<int[]> result = new ArrayList<>();
        while (batches.next()) {
            int[] ids = new int[batches.size()];
            for (int r = 0; r < batches.size(); r++) {
                int id = (int) batches.x()[2 * r];
                assertEquals(-id, batches.x()[2 * r + 1]);
                assertEquals(id % 4, batches.labels()[r]);
                ids[r] = id;
            }
            result.add(ids);
        }
        assertEquals(0, batches.size());
        return result;
    }

    private static int[] concat(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void sequentialVisitsRowsInOrderWithAPartialLastBatch() {
        Batches batches = Batches.sequential(rows(10), 4);
        assertEquals(3, batches.batchesPerEpoch());
        List<int[]> epoch = drain(batches);
        assertArrayEquals(new int[] {0, 1, 2, 3}, epoch.get(0));
        assertArrayEquals(new int[] {4, 5, 6, 7}, epoch.get(1));
        assertArrayEquals(new int[] {8, 9}, epoch.get(2));
        batches.startEpoch(5);
        assertArrayEquals(concat(epoch), concat(drain(batches)));
    }

    @Test
    void droppingLastSkipsThePartialBatch() {
        Batches batches = Batches.sequential(rows(10), 4).droppingLast();
        assertEquals(2, batches.batchesPerEpoch());
        assertEquals(List.of(4, 4), drain(batches).stream().map(b -> b.length).toList());
        assertEquals(2, Batches.sequential(rows(8), 4).droppingLast().batchesPerEpoch());
        assertEquals(0, Batches.shuffled(rows(3), 4, 0).droppingLast().batchesPerEpoch());
    }

    @Test
    void shuffledEpochFollowsTheEpochPermutation() {
        Batches batches = Batches.shuffled(rows(10), 3, 42);
        for (int epoch = 0; epoch < 3; epoch++) {
            batches.startEpoch(epoch);
            assertEquals(epoch, batches.epoch());
            assertArrayEquals(Shuffle.permutation(Shuffle.epochSeed(42, epoch), 10), concat(drain(batches)));
        }
    }

    @Test
    void epochsDifferAndStartingAtAnEpochNeedsNoReplay() {
        Batches trained = Batches.shuffled(rows(100), 8, 7);
        List<String> orders = new ArrayList<>();
        for (int epoch = 0; epoch < 4; epoch++) {
            trained.startEpoch(epoch);
            orders.add(Arrays.toString(concat(drain(trained))));
        }
        assertEquals(4, orders.stream().distinct().count());
        Batches resumed = Batches.shuffled(rows(100), 8, 7);
        resumed.startEpoch(3);
        assertEquals(orders.get(3), Arrays.toString(concat(drain(resumed))));
        // A new iterator starts at epoch 0.
        assertEquals(orders.get(0), Arrays.toString(concat(drain(Batches.shuffled(rows(100), 8, 7)))));
        assertNotEquals(orders.get(0), Arrays.toString(concat(drain(Batches.shuffled(rows(100), 8, 8)))));
    }

    @Test
    void resumesMidEpochAtTheSavedBatchIndex() {
        Batches original = Batches.shuffled(rows(50), 6, 3);
        original.startEpoch(2);
        original.next();
        original.next();
        assertEquals(2, original.batchIndex());
        long savedEpoch = original.epoch();
        int savedBatch = original.batchIndex();
        List<int[]> rest = drain(original);

        Batches resumed = Batches.shuffled(rows(50), 6, 3);
        resumed.startEpoch(savedEpoch, savedBatch);
        List<int[]> resumedRest = drain(resumed);
        assertEquals(rest.size(), resumedRest.size());
        for (int i = 0; i < rest.size(); i++) {
            assertArrayEquals(rest.get(i), resumedRest.get(i));
        }
    }

    @Test
    void reusesItsBuffers() {
        Batches batches = Batches.shuffled(rows(20), 8, 1);
        float[] x = batches.x();
        int[] labels = batches.labels();
        assertEquals(16, x.length);
        assertEquals(8, labels.length);
        while (batches.next()) {
            assertSame(x, batches.x());
            assertSame(labels, batches.labels());
        }
        assertFalse(batches.next());
    }

    @Test
    void buffersAreNoLargerThanTheDataset() {
        Batches batches = Batches.sequential(rows(3), 1000);
        assertEquals(3, batches.labels().length);
        assertTrue(batches.next());
        assertEquals(3, batches.size());
        assertFalse(batches.next());
    }

    @Test
    void emptyDatasetHasNoBatches() {
        Batches batches = Batches.shuffled(rows(5).slice(2, 2), 4, 0);
        assertEquals(0, batches.batchesPerEpoch());
        assertFalse(batches.next());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Batches.sequential(rows(5), 0));
        Batches batches = Batches.shuffled(rows(10), 4, 0);
        assertThrows(IllegalArgumentException.class, () -> batches.startEpoch(-1));
        assertThrows(IllegalArgumentException.class, () -> batches.startEpoch(0, 4));
        assertThrows(IllegalArgumentException.class, () -> batches.startEpoch(0, -1));
        batches.startEpoch(0, 3);
        assertFalse(batches.next());
    }

    /** Steady-state iteration, epoch starts included, allocates nothing. */
    @Test
    void iterationAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Batches batches = Batches.shuffled(rows(1000), 32, 9);
        long checksum = 0;
        for (int epoch = 0; epoch < 2000; epoch++) { // warm up until the JIT has compiled the loop
            checksum += runEpoch(batches, epoch);
        }
        int epochs = 1000;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int epoch = 0; epoch < epochs; epoch++) {
            checksum += runEpoch(batches, epoch);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        long batchCount = (long) epochs * batches.batchesPerEpoch();
        assertTrue(checksum != 0);
        // Fewer bytes than epochs: one object (16 bytes or more) per epoch fails, while a few hundred
        // bytes of one-off JIT transitions pass.
        assertTrue(allocated < epochs, allocated + " bytes over " + epochs + " epochs of "
                + batchCount / epochs + " batches");
    }

    private static long runEpoch(Batches batches, int epoch) {
        batches.startEpoch(epoch);
        long sum = 0;
        while (batches.next()) {
            sum += batches.labels()[batches.size() - 1] + (long) batches.x()[0];
        }
        return sum;
    }
}
