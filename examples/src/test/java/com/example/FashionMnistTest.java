package com.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Options;
import dev.kiln.train.ConsoleProgress;
import dev.kiln.train.Evaluation;
import dev.kiln.train.History;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Fashion-MNIST example end to end on the first 300 training and 100 test images of the real
 * dataset (made by {@code src/test/python/make_tiny_fashion_mnist.py}).
 */
class FashionMnistTest {
    private static final int EPOCHS = 4;

    @TempDir
    Path dir;

    /** What one run printed and returned. */
    private record Run(int status, String out, String err) {}

    private static Run run(String... args) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        int status = FashionMnist.run(args, outStream, new PrintStream(err, true, StandardCharsets.UTF_8),
                new ConsoleProgress(outStream, false));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Path tinyDataset() throws URISyntaxException {
        return Path.of(FashionMnistTest.class.getResource("/fashion-mnist-tiny").toURI());
    }

    @Test
    void trainsScoresAndWritesTheModelHistoryAndChart() throws Exception {
        Path output = dir.resolve("out");
        Run run = run("--data", tinyDataset().toString(), "--output", output.toString(),
                "--epochs", Integer.toString(EPOCHS), "--batch-size", "16", "--threads", "2");
        assertEquals(0, run.status(), run.err());
        assertEquals("", run.err());

        List<String> epochLines = run.out().lines().filter(l -> l.startsWith("epoch ")).toList();
        assertEquals(EPOCHS, epochLines.size(), run.out());
        assertTrue(run.out().contains("270 training, 30 validation and 100 test images"), run.out());
        Matcher printed = Pattern.compile("test accuracy ([0-9.]+)%").matcher(run.out());
        assertTrue(printed.find(), run.out());

        // The saved model is the trained one: loaded afresh, it scores what the run printed.
        try (var loaded = new KilnFashionMnistNet(Options.defaults().withThreads(1))) {
            loaded.load(output.resolve(FashionMnist.MODEL_FILE));
            Evaluation score = Evaluation.of(loaded, FashionMnist.load(tinyDataset()).test(), 100);
            assertEquals(printed.group(1), String.format(Locale.ROOT, "%.2f", 100 * score.accuracy()));
            // It learned: ten classes, so chance is about 10%.
            assertTrue(score.accuracy() >= 0.5, run.out());
        }

        List<String> csv = Files.readAllLines(output.resolve(FashionMnist.HISTORY_CSV));
        assertEquals(History.CSV_HEADER, csv.get(0));
        assertEquals(EPOCHS + 1, csv.size());
        byte[] png = Files.readAllBytes(output.resolve(FashionMnist.HISTORY_CHART));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    }

    @Test
    void aMissingDatasetSaysHowToInstallItAndFails() throws IOException {
        Path missing = dir.resolve("no-such-dataset");
        Path output = dir.resolve("out");
        Run run = run("--data", missing.toString(), "--output", output.toString());
        assertEquals(1, run.status());
        assertTrue(run.err().contains("Fashion-MNIST is not in " + missing), run.err());
        assertTrue(run.err().contains("`sudo apt-get install dataset-fashion-mnist`"), run.err());
        assertTrue(run.err().contains("--data DIR"), run.err());
        assertEquals("", run.out());
        assertFalse(Files.exists(output), "nothing is written");
    }

    @Test
    void badOptionsPrintTheUsage() throws IOException {
        for (String[] args : List.of(new String[] {"--epochs", "0"}, new String[] {"--data"},
                new String[] {"--colour", "blue"})) {
            Run run = run(args);
            assertEquals(2, run.status(), String.join(" ", args));
            assertTrue(run.err().contains("usage: FashionMnist"), run.err());
        }
    }
}
