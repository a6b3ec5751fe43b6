package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Loads the real Fashion-MNIST from Debian's {@code dataset-fashion-mnist}, when it is installed. */
class FashionMnistTest {
    private static final Path DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void loadsTrainAndTestParts() throws IOException {
        assumeTrue(Files.isDirectory(DIRECTORY), "dataset-fashion-mnist is not installed");
        var threads = ManagementFactory.getThreadMXBean();
        long start = System.nanoTime();
        long startCpu = threads.getCurrentThreadCpuTime();
        Dataset train = Idx.loadMnist(DIRECTORY, Idx.Part.TRAIN);
        long trainNanos = System.nanoTime() - start;
        long trainCpuNanos = threads.getCurrentThreadCpuTime() - startCpu;
        start = System.nanoTime();
        Dataset test = Idx.loadMnist(DIRECTORY, Idx.Part.TEST);
        long testNanos = System.nanoTime() - start;
        // CPU time as well as wall time: on a shared machine the wall time mostly measures the others.
        System.out.printf("Fashion-MNIST load: train %d ms (%d ms CPU), test %d ms%n",
                trainNanos / 1_000_000, trainCpuNanos / 1_000_000, testNanos / 1_000_000);

        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        for (Dataset part : new Dataset[] {train, test}) {
            assertEquals(28 * 28, part.features());
            assertEquals(10, part.classes());
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float v : part.featureArray()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertEquals(0f, min);
            assertEquals(1f, max);
        }
        // Fashion-MNIST is balanced: 6000 training and 1000 test images of each class.
        int[] sixThousand = new int[10];
        int[] oneThousand = new int[10];
        Arrays.fill(sixThousand, 6000);
        Arrays.fill(oneThousand, 1000);
        assertArrayEquals(sixThousand, train.classCounts());
        assertArrayEquals(oneThousand, test.classCounts());
        // A generous bound (zcat alone takes about 0.4 s CPU): it catches only pathological slowness.
        assertTrue(trainNanos < 10_000_000_000L, trainNanos / 1_000_000 + " ms to load the training part");
    }
}
