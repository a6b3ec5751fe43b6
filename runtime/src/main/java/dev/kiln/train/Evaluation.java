package dev.kiln.train;

import dev.kiln.KilnModel;
import dev.kiln.data.Batches;
import dev.kiln.data.Dataset;
import java.util.Objects;

/**
 * A model's loss and accuracy on a dataset, in evaluation mode (dropout off, nothing updated): what
 * {@link Fit} reports for its validation set after each epoch, and what a held-out test set is scored
 * with after training.
 *
 * <p>Rows labelled with the model's {@link KilnModel#ignoreIndex() ignore index} count in neither: the
 * loss skips them, and so does the accuracy (both are NaN when every row is ignored).
 *
 * @param loss the mean of the batch losses ({@link KilnModel#loss}) weighted by the rows each counts
 * @param accuracy the fraction of counted rows whose predicted class ({@link KilnModel#predict}) is
 *     the label
 */
public record Evaluation(double loss, double accuracy) {

    /**
     * Evaluates {@code model} on every row of {@code data}, {@code batchSize} rows at a time.
     *
     * @throws IllegalArgumentException if {@code data} is empty, its rows do not have the model's
     *     feature count or it has more classes than the model
     */
    public static Evaluation of(KilnModel model, Dataset data, int batchSize) {
        checkFits(model, "evaluated", data);
        return new Evaluator(model, data, batchSize).run();
    }

    /** Rejects data a model cannot take; {@code name} says which set it is in the message. */
    static void checkFits(KilnModel model, String name, Dataset data) {
        Objects.requireNonNull(data, name);
        if (data.size() == 0) {
            throw new IllegalArgumentException("the " + name + " set has no rows");
        }
        if (data.features() != model.inputs()) {
            throw new IllegalArgumentException("the " + name + " set has " + data.features()
                    + " features per row, the model takes " + model.inputs());
        }
        if (data.classes() > model.classes()) {
            throw new IllegalArgumentException("the " + name + " set has " + data.classes()
                    + " classes, the model predicts " + model.classes());
        }
    }

    /** Evaluates one model on one dataset as often as asked, through buffers allocated once. */
    static final class Evaluator {
        private final KilnModel model;
        private final Batches batches;
        private final int[] predicted;

        Evaluator(KilnModel model, Dataset data, int batchSize) {
            this.model = model;
            this.batches = Batches.sequential(data, batchSize);
            this.predicted = new int[batchSize];
        }

        Evaluation run() {
            double lossSum = 0;
            long correct = 0, counted = 0;
            int ignored = model.ignoreIndex();
            batches.startEpoch(0);
            while (batches.next()) {
                int n = batches.size();
                int[] labels = batches.labels();
                model.predict(batches.x(), n, predicted);
                int batchCounted = 0;
                for (int i = 0; i < n; i++) {
                    if (labels[i] != ignored) {
                        batchCounted++;
                        if (predicted[i] == labels[i]) {
                            correct++;
                        }
                    }
                }
                if (batchCounted > 0) { // a batch of ignored rows only has a NaN mean loss, as in PyTorch
                    lossSum += (double) model.loss(batches.x(), labels, n) * batchCounted;
                    counted += batchCounted;
                }
            }
            return new Evaluation(lossSum / counted, (double) correct / counted);
        }
    }
}
