package dev.kiln.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The per-epoch record of a {@link Fit} run, oldest first, including the epochs of the runs it
 * resumed from.
 */
public final class History {
    /** The CSV header {@link #toCsv()} writes, one column per {@link EpochResult} component. */
    public static final String CSV_HEADER = "epoch,train_loss,val_loss,val_accuracy,lr,seconds,samples_per_second";

    private final List<EpochResult> epochs;
    private final Metric monitor;
    private final boolean stoppedEarly;

    /**
     * @param epochs the epochs, oldest first
     * @param monitor the metric that decides the {@link #best()} epoch
     * @param stoppedEarly whether early stopping ended the run
     */
    public History(List<EpochResult> epochs, Metric monitor, boolean stoppedEarly) {
        this.epochs = List.copyOf(epochs);
        this.monitor = monitor;
        this.stoppedEarly = stoppedEarly;
    }

    public List<EpochResult> epochs() {
        return epochs;
    }

    /** The most recent epoch, if any ran. */
    public Optional<EpochResult> last() {
        return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
    }

    /** The earliest epoch with the best {@link #monitor()} value; empty without validation. */
    public Optional<EpochResult> best() {
        EpochResult best = null;
        for (EpochResult epoch : epochs) {
            if (monitor.isBetter(monitor.of(epoch), best == null ? Double.NaN : monitor.of(best))) {
                best = epoch;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The metric that decides {@link #best()}, early stopping and the best checkpoint. */
    public Metric monitor() {
        return monitor;
    }

    /** Whether early stopping ended the run before its last epoch. */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    /**
     * The epochs as CSV with {@link #CSV_HEADER}: numbers in Java's shortest round-trip form, so
     * {@link #fromCsv} restores them exactly; missing validation values are empty fields.
     */
    public String toCsv() {
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (EpochResult e : epochs) {
            csv.append(e.epoch()).append(',')
                    .append(number(e.trainLoss())).append(',')
                    .append(number(e.validationLoss())).append(',')
                    .append(number(e.validationAccuracy())).append(',')
                    .append(number(e.learningRate())).append(',')
                    .append(number(e.seconds())).append(',')
                    .append(number(e.samplesPerSecond())).append('\n');
        }
        return csv.toString();
    }

    /** Writes {@link #toCsv()} to {@code file}, UTF-8. */
    public void writeCsv(Path file) throws IOException {
        Files.writeString(file, toCsv(), StandardCharsets.UTF_8);
    }

    /**
     * Draws loss (train and validation) and validation accuracy per epoch as a PNG, 1200 x 480 pixels.
     * Rendering runs headless.
     */
    public void writeChart(Path file) throws IOException {
        writeChart(file, 1200, 480);
    }

    /** {@link #writeChart(Path)} at the given size. */
    public void writeChart(Path file, int width, int height) throws IOException {
        HistoryChart.write(this, file, width, height);
    }

    /**
     * Parses what {@link #toCsv()} wrote.
     *
     * @throws IllegalArgumentException if the text is not such a CSV
     */
    public static List<EpochResult> fromCsv(String csv) {
        String[] lines = csv.split("\n");
        if (lines.length == 0 || !lines[0].equals(CSV_HEADER)) {
            throw new IllegalArgumentException("not a history CSV: header must be " + CSV_HEADER);
        }
        List<EpochResult> epochs = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            if (f.length != 7) {
                throw new IllegalArgumentException("history CSV line " + (i + 1) + " has " + f.length + " fields, expected 7");
            }
            try {
                epochs.add(new EpochResult(Integer.parseInt(f[0]), parse(f[1]), parse(f[2]), parse(f[3]),
                        parse(f[4]), parse(f[5]), parse(f[6])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("history CSV line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return epochs;
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "" : Double.toString(value);
    }

    private static double parse(String field) {
        return field.isEmpty() ? Double.NaN : Double.parseDouble(field);
    }

    @Override
    public String toString() {
        return "History[" + epochs.size() + " epochs" + (stoppedEarly ? ", stopped early" : "") + "]";
    }
}
