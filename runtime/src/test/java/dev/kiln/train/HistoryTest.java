package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
    private static final List<EpochResult> EPOCHS = List.of(
            new EpochResult(1, 0.9, 0.7, 0.75, 0.1, 2.5, 24000),
            new EpochResult(2, 0.5, 0.45, 0.875, 0.05, 2.25, 26666.5),
            new EpochResult(3, 0.25, 0.5, 0.8125, 1.0E-4, 2.0, 30000));

    @TempDir
    Path dir;

    @Test
    void csvHasOneRowPerEpochWithExactValues() throws IOException {
        Path file = dir.resolve("history.csv");
        new History(EPOCHS, Metric.VALIDATION_LOSS, false).writeCsv(file);
        assertEquals("""
                epoch,train_loss,val_loss,val_accuracy,lr,seconds,samples_per_second
                1,0.9,0.7,0.75,0.1,2.5,24000.0
                2,0.5,0.45,0.875,0.05,2.25,26666.5
                3,0.25,0.5,0.8125,1.0E-4,2.0,30000.0
                """, Files.readString(file));
    }

    @Test
    void csvLeavesMissingValidationEmptyAndRoundTrips() {
        List<EpochResult> epochs = List.of(new EpochResult(1, 0.1 + 0.2, Double.NaN, Double.NaN, 1e-3, 0.5, 1234.5));
        String csv = new History(epochs, Metric.VALIDATION_LOSS, false).toCsv();
        assertEquals(History.CSV_HEADER + "\n1,0.30000000000000004,,,0.001,0.5,1234.5\n", csv);
        assertEquals(epochs, History.fromCsv(csv));
        assertEquals(EPOCHS, History.fromCsv(new History(EPOCHS, Metric.VALIDATION_LOSS, false).toCsv()));
        assertThrows(IllegalArgumentException.class, () -> History.fromCsv("epoch,loss\n1,2\n"));
        assertThrows(IllegalArgumentException.class, () -> History.fromCsv(History.CSV_HEADER + "\n1,2,3\n"));
    }

    @Test
    void bestFollowsTheMonitoredMetric() {
        assertEquals(2, new History(EPOCHS, Metric.VALIDATION_LOSS, false).best().orElseThrow().epoch());
        assertEquals(2, new History(EPOCHS, Metric.VALIDATION_ACCURACY, false).best().orElseThrow().epoch());
        List<EpochResult> noValidation = List.of(new EpochResult(1, 0.5, Double.NaN, Double.NaN, 0.1, 1, 1));
        assertTrue(new History(noValidation, Metric.VALIDATION_LOSS, false).best().isEmpty());
        assertEquals(3, new History(EPOCHS, Metric.VALIDATION_LOSS, false).last().orElseThrow().epoch());
    }

    @Test
    void chartIsAPngOfTheRequestedSizeShowingEverySeries() throws IOException {
        List<EpochResult> epochs = new ArrayList<>();
        for (int e = 1; e <= 12; e++) {
            epochs.add(new EpochResult(e, 1.0 / e, 1.2 / e + 0.01 * e, 0.6 + 0.3 * (1 - 1.0 / e), 0.1, 1, 1000));
        }
        Path file = dir.resolve("history.png");
        new History(epochs, Metric.VALIDATION_LOSS, false).writeChart(file, 1000, 400);

        byte[] bytes = Files.readAllBytes(file);
        assertEquals((byte) 0x89, bytes[0]);
        assertEquals("PNG", new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image);
        assertEquals(1000, image.getWidth());
        assertEquals(400, image.getHeight());
        // Each series' colour fills a good number of pixels: the lines are actually drawn.
        assertTrue(pixelsOfColour(image, 0x1F77B4) > 500, "train loss line");
        assertTrue(pixelsOfColour(image, 0xFF7F0E) > 500, "validation loss line");
        assertTrue(pixelsOfColour(image, 0x2CA02C) > 500, "validation accuracy line");
    }

    @Test
    void chartCopesWithoutValidationAndWithoutEpochs() throws IOException {
        Path noValidation = dir.resolve("train-only.png");
        new History(List.of(new EpochResult(1, 0.5, Double.NaN, Double.NaN, 0.1, 1, 1)), Metric.VALIDATION_LOSS, false)
                .writeChart(noValidation);
        BufferedImage image = ImageIO.read(noValidation.toFile());
        assertEquals(1200, image.getWidth());
        assertEquals(480, image.getHeight());
        assertTrue(pixelsOfColour(image, 0x1F77B4) > 20, "the single train-loss point");

        Path empty = dir.resolve("empty.png");
        new History(List.of(), Metric.VALIDATION_LOSS, false).writeChart(empty, 640, 300);
        assertEquals(640, ImageIO.read(empty.toFile()).getWidth());
        assertThrows(IllegalArgumentException.class,
                () -> new History(List.of(), Metric.VALIDATION_LOSS, false).writeChart(empty, 10, 10));
    }

    private static int pixelsOfColour(BufferedImage image, int rgb) {
        int count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    count++;
                }
            }
        }
        return count;
    }
}
