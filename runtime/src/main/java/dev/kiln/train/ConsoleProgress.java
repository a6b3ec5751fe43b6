package dev.kiln.train;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Prints a run's progress. On a terminal it redraws one line in place ({@code \r}) at most ten times a
 * second: a bar, rows done, ETA, samples per second and the running mean loss; every mode ends each
 * epoch with one summary line such as
 *
 * <pre>
 * epoch  3/10  train_loss 0.4213  val_loss 0.4402  val_acc 84.61%  lr 1.000e-03  6.2 s  9,674 samples/s
 * </pre>
 */
public final class ConsoleProgress implements TrainingListener {
    private static final long REDRAW_NANOS = 100_000_000;
    private static final int BAR_WIDTH = 30;

    private final PrintStream out;
    private final boolean live;
    private final LongSupplier nanoTime;
    private int epochs;
    private int samples;
    private long epochStarted;
    private long lastDrawn;
    private double lossSum;
    private int lossRows;
    private int drawnWidth;

    /**
     * @param out where to print
     * @param live whether to redraw a progress line during each epoch (for terminals) or print only
     *     the per-epoch lines (for logs)
     */
    public ConsoleProgress(PrintStream out, boolean live) {
        this(out, live, System::nanoTime);
    }

    /** With a clock of its own, so tests control throttling and rates. */
    ConsoleProgress(PrintStream out, boolean live, LongSupplier nanoTime) {
        this.out = Objects.requireNonNull(out, "out");
        this.live = live;
        this.nanoTime = nanoTime;
    }

    /** Standard output, live when it is a terminal. */
    public static ConsoleProgress forStandardOutput() {
        return new ConsoleProgress(System.out, isTerminal(System.console()));
    }

    /**
     * {@code System.console() != null} means a terminal up to JDK 21; from JDK 22 on, the console can
     * exist with redirected output, and {@code Console.isTerminal()} (absent from Java 17) tells.
     */
    private static boolean isTerminal(Console console) {
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void epochStarted(int epoch, int epochs, int samples) {
        this.epochs = epochs;
        this.samples = samples;
        this.epochStarted = nanoTime.getAsLong();
        this.lastDrawn = epochStarted;
        this.lossSum = 0;
        this.lossRows = 0;
    }

    @Override
    public void batchFinished(int epoch, int samplesDone, float loss) {
        int batch = samplesDone - lossRows;
        lossSum += (double) loss * batch;
        lossRows = samplesDone;
        if (!live) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (now - lastDrawn < REDRAW_NANOS && samplesDone < samples) {
            return;
        }
        lastDrawn = now;
        double seconds = (now - epochStarted) / 1e9;
        double rate = samplesDone / Math.max(seconds, 1e-9);
        int filled = (int) ((long) BAR_WIDTH * samplesDone / samples);
        String bar = "=".repeat(filled) + (filled < BAR_WIDTH ? ">" + " ".repeat(BAR_WIDTH - filled - 1) : "");
        String line = String.format(Locale.ROOT, "epoch %s/%d [%s] %,d/%,d  ETA %s  %,.0f samples/s  loss %.4f",
                pad(epoch), epochs, bar, samplesDone, samples, clock((samples - samplesDone) / rate), rate,
                lossSum / lossRows);
        draw(line);
    }

    @Override
    public void epochFinished(EpochResult r) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %s/%d  train_loss %.4f",
                pad(r.epoch()), epochs, r.trainLoss()));
        if (r.hasValidation()) {
            line.append(String.format(Locale.ROOT, "  val_loss %.4f  val_acc %.2f%%", r.validationLoss(),
                    100 * r.validationAccuracy()));
        }
        line.append(String.format(Locale.ROOT, "  lr %.3e  %.1f s  %,.0f samples/s", r.learningRate(), r.seconds(),
                r.samplesPerSecond()));
        if (live) {
            draw(line.toString());
            out.println();
            drawnWidth = 0;
        } else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void fitFinished(History history) {
        if (history.stoppedEarly()) {
            out.println("early stopping: " + history.monitor().columnName() + " has not improved since epoch "
                    + history.best().map(EpochResult::epoch).orElse(0));
            out.flush();
        }
    }

    /** Rewrites the current line, blanking what a longer previous line left behind. */
    private void draw(String line) {
        int blank = Math.max(0, drawnWidth - line.length());
        out.print('\r' + line + " ".repeat(blank));
        out.flush();
        drawnWidth = line.length();
    }

    private String pad(int epoch) {
        String digits = Integer.toString(epoch);
        int width = Integer.toString(epochs).length();
        return " ".repeat(Math.max(0, width - digits.length())) + digits;
    }

    private static String clock(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
