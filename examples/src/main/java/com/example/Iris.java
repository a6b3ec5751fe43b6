package com.example;

import dev.kiln.Options;
import dev.kiln.data.CsvReader;
import dev.kiln.data.Dataset;
import dev.kiln.data.Standardizer;
import dev.kiln.train.Evaluation;
import dev.kiln.train.Fit;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Fisher's Iris flowers from a CSV file: {@link CsvReader} reads the species names as labels, a
 * seeded split holds out a fifth of the 150 rows, a {@link Standardizer} fitted on the training rows
 * scales both parts, and {@link Fit} trains {@link IrisNet} on the rest before it is scored on the
 * held-out rows.
 */
public final class Iris {
    /** Seeds the initial weights, the split and the epoch orders. */
    static final long SEED = 0;
    static final double HELD_OUT_FRACTION = 0.2;
    static final int EPOCHS = 60;
    static final int BATCH_SIZE = 16;

    private Iris() {}

    public static void main(String[] args) throws IOException {
        train(true);
    }

    /**
     * Trains on the training part and scores the held-out part; {@code verbose} prints every epoch and
     * the score.
     */
    static Evaluation train(boolean verbose) throws IOException {
        Dataset iris = read();
        Dataset.Split split = iris.split(HELD_OUT_FRACTION, SEED);
        Standardizer standardizer = Standardizer.fit(split.train());
        Dataset train = standardizer.apply(split.train());
        Dataset heldOut = standardizer.apply(split.validation());
        try (KilnIrisNet model = new KilnIrisNet(Options.defaults().withSeed(SEED).withThreads(1))) {
            Fit fit = Fit.model(model).epochs(EPOCHS).batchSize(BATCH_SIZE).shuffleSeed(SEED);
            if (!verbose) {
                fit.quiet();
            }
            fit.run(train);
            Evaluation score = Evaluation.of(model, heldOut, heldOut.size());
            if (verbose) {
                System.out.printf(Locale.ROOT, "held-out accuracy %.1f%% (loss %.4f) on %d of %d flowers%n",
                        100 * score.accuracy(), score.loss(), heldOut.size(), iris.size());
            }
            return score;
        }
    }

    /** The class-path copy of the data set: 150 rows of four measurements and a species name. */
    static Dataset read() throws IOException {
        var stream = Iris.class.getResourceAsStream("/iris.csv");
        if (stream == null) {
            throw new FileNotFoundException("iris.csv is not on the class path");
        }
        try (Reader reader = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
            return CsvReader.defaults().withLabelColumn("species").withNamedLabels().read(reader, "iris.csv");
        }
    }
}
