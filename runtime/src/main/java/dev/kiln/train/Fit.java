package dev.kiln.train;

import dev.kiln.KilnModel;
import dev.kiln.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Trains a {@link KilnModel}: epochs of shuffled mini-batches, evaluation on a validation set,
 * learning-rate scheduling, early stopping, checkpoints and exact resume.
 *
 * <pre>{@code
 * History history = Fit.model(net)
 *         .epochs(20).batchSize(128).shuffleSeed(1)
 *         .validation(test)
 *         .scheduler(new LinearLR(0.1, 1, 2).then(2, new CosineAnnealingLR(18, 0)))
 *         .checkpointDir(Path.of("runs/mlp"))
 *         .earlyStopping(3)
 *         .run(train);
 * history.writeCsv(Path.of("runs/mlp/history.csv"));
 * history.writeChart(Path.of("runs/mlp/history.png"));
 * }</pre>
 *
 * <h2>Determinism and resume</h2>
 * Epoch {@code e}'s batch order is a function of the shuffle seed and {@code e} alone, and the
 * schedule is a closed form of the step count, so a run resumed from a checkpoint with
 * {@link #resumeFrom} continues bit for bit as if it had never stopped (given the same data, batch
 * size, seed, schedule and model thread count).
 *
 * <h2>Checkpoints</h2>
 * With {@link #checkpointDir}, every epoch writes {@value #LAST_CHECKPOINT} and, when the monitored
 * validation metric improves, {@value #BEST_CHECKPOINT}: the model's weights and optimizer state
 * ({@link KilnModel#saveCheckpoint}) with the loop's state in the file's metadata under
 * {@code train.*} keys. Each file is written to a temporary sibling and atomically renamed, so a
 * crash leaves the previous checkpoint intact.
 *
 * <p>A builder is not thread-safe; {@link #run} may be called once per configuration.
 */
public final class Fit {
    /** File name of the checkpoint written after every epoch. */
    public static final String LAST_CHECKPOINT = "last.safetensors";
    /** File name of the checkpoint of the epoch with the best monitored metric. */
    public static final String BEST_CHECKPOINT = "best.safetensors";

    private final KilnModel model;
    private int epochs = 1;
    private int batchSize = 32;
    private boolean shuffle = true;
    private long shuffleSeed;
    private LabeledData validation;
    private LearningRateSchedule schedule;
    private LearningRateSchedule.Interval interval = LearningRateSchedule.Interval.EPOCH;
    private Path checkpointDir;
    private Path resumeFrom;
    private int patience;
    private Metric monitor = Metric.VALIDATION_LOSS;
    private boolean console = true;
    private final List<TrainingListener> listeners = new ArrayList<>();

    private Fit(KilnModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /** Starts configuring a run that trains {@code model}. */
    public static Fit model(KilnModel model) {
        return new Fit(model);
    }

    /** The epoch number to stop after, counted from the first epoch of the first run (default 1). */
    public Fit epochs(int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        this.epochs = epochs;
        return this;
    }

    /** Rows per optimizer step (default 32); the last batch of an epoch may be smaller. */
    public Fit batchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /** Seed of the per-epoch shuffle (default 0). */
    public Fit shuffleSeed(long seed) {
        this.shuffleSeed = seed;
        return this;
    }

    /** Whether to shuffle the training rows each epoch (default true); without, batches follow row order. */
    public Fit shuffle(boolean shuffle) {
        this.shuffle = shuffle;
        return this;
    }

    /** Rows to evaluate after each epoch: loss and accuracy in evaluation mode. */
    public Fit validation(LabeledData validation) {
        this.validation = Objects.requireNonNull(validation, "validation");
        return this;
    }

    /** Applies {@code schedule} once per epoch, from the model's learning rate at the start of training. */
    public Fit scheduler(LearningRateSchedule schedule) {
        return scheduler(schedule, LearningRateSchedule.Interval.EPOCH);
    }

    /** Applies {@code schedule} once per epoch or once per optimizer step. */
    public Fit scheduler(LearningRateSchedule schedule, LearningRateSchedule.Interval interval) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.interval = Objects.requireNonNull(interval, "interval");
        return this;
    }

    /** Writes {@value #LAST_CHECKPOINT} and {@value #BEST_CHECKPOINT} into {@code dir} (created if needed). */
    public Fit checkpointDir(Path dir) {
        this.checkpointDir = Objects.requireNonNull(dir, "dir");
        return this;
    }

    /**
     * Stops when the monitored metric (validation loss unless {@link #monitor} says otherwise) has not
     * improved for {@code patience} epochs in a row. Needs a validation set.
     */
    public Fit earlyStopping(int patience) {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be at least 1, got " + patience);
        }
        this.patience = patience;
        return this;
    }

    /** The validation metric for early stopping and the best checkpoint (default validation loss). */
    public Fit monitor(Metric metric) {
        this.monitor = Objects.requireNonNull(metric, "metric");
        return this;
    }

    /**
     * Continues the run saved in {@code checkpoint} (a file written by this class): loads the model's
     * weights and optimizer state, then the epoch, initial learning rate, schedule position, best
     * metric, early-stopping count and history. The run then goes on to {@link #epochs}.
     */
    public Fit resumeFrom(Path checkpoint) {
        this.resumeFrom = Objects.requireNonNull(checkpoint, "checkpoint");
        return this;
    }

    /** Adds a listener for progress events. */
    public Fit listener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Turns off the default console output ({@link ConsoleProgress#forStandardOutput()}). */
    public Fit quiet() {
        this.console = false;
        return this;
    }

    /**
     * Trains on {@code train}.
     *
     * @throws IllegalArgumentException if the data does not fit the model, or the checkpoint to resume
     *     from was written with a different batch size, shuffle or monitored metric
     * @throws IllegalStateException if early stopping is on without a validation set
     * @throws IOException if a checkpoint cannot be read or written
     */
    public History run(LabeledData train) throws IOException {
        Objects.requireNonNull(train, "train");
        checkInputs("training", train);
        if (validation != null) {
            checkInputs("validation", validation);
        }
        if (patience > 0 && validation == null) {
            throw new IllegalStateException("early stopping needs a validation set");
        }
        List<TrainingListener> all = new ArrayList<>(listeners);
        if (console) {
            all.add(ConsoleProgress.forStandardOutput());
        }
        LoopState state = resumeFrom == null ? LoopState.fresh(model.learningRate()) : resume();
        if (checkpointDir != null) {
            Files.createDirectories(checkpointDir);
        }

        int rows = train.size();
        int inputs = model.inputs();
        int[] order = new int[rows];
        float[] x = new float[batchSize * inputs];
        int[] y = new int[batchSize];
        boolean stoppedEarly = false;

        for (int epoch = state.epochsDone + 1; epoch <= epochs; epoch++) {
            // Checked before the epoch rather than after the last one, so that resuming from the
            // checkpoint of an early-stopped run stops again at once.
            if (patience > 0 && state.epochsWithoutImprovement >= patience) {
                stoppedEarly = true;
                break;
            }
            long started = System.nanoTime();
            for (TrainingListener l : all) {
                l.epochStarted(epoch, epochs, rows);
            }
            if (schedule != null && interval == LearningRateSchedule.Interval.EPOCH) {
                model.learningRate(schedule.learningRate(state.baseLr, state.scheduleStep++));
            }
            fillOrder(order, epoch);

            double lossSum = 0;
            for (int start = 0; start < rows; start += batchSize) {
                int n = Math.min(batchSize, rows - start);
                gather(train, order, start, n, x, y);
                if (schedule != null && interval == LearningRateSchedule.Interval.STEP) {
                    model.learningRate(schedule.learningRate(state.baseLr, state.scheduleStep++));
                }
                float loss = model.trainStep(x, y, n);
                lossSum += (double) loss * n;
                for (TrainingListener l : all) {
                    l.batchFinished(epoch, start + n, loss);
                }
            }
            double trainSeconds = (System.nanoTime() - started) / 1e9;
            double learningRate = model.learningRate();

            double validationLoss = Double.NaN;
            double validationAccuracy = Double.NaN;
            if (validation != null) {
                double[] evaluated = evaluate(validation, x, y);
                validationLoss = evaluated[0];
                validationAccuracy = evaluated[1];
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            EpochResult result = new EpochResult(epoch, lossSum / rows, validationLoss, validationAccuracy,
                    learningRate, seconds, rows / trainSeconds);
            state.history.add(result);
            state.epochsDone = epoch;

            boolean improved = monitor.isBetter(monitor.of(result), state.bestMetric);
            if (improved) {
                state.bestMetric = monitor.of(result);
                state.epochsWithoutImprovement = 0;
            } else if (validation != null) {
                state.epochsWithoutImprovement++;
            }
            if (checkpointDir != null) {
                Map<String, String> metadata = state.toMetadata(this);
                writeAtomically(checkpointDir.resolve(LAST_CHECKPOINT), metadata);
                if (improved) {
                    writeAtomically(checkpointDir.resolve(BEST_CHECKPOINT), metadata);
                }
            }
            for (TrainingListener l : all) {
                l.epochFinished(result);
            }
        }
        History history = new History(state.history, monitor, stoppedEarly);
        for (TrainingListener l : all) {
            l.fitFinished(history);
        }
        return history;
    }

    private void checkInputs(String name, LabeledData data) {
        if (data.inputs() != model.inputs()) {
            throw new IllegalArgumentException(name + " rows have " + data.inputs() + " features, the model takes "
                    + model.inputs());
        }
    }

    /** Epoch {@code epoch}'s row order: a function of the seed and the epoch only, never of earlier epochs. */
    private void fillOrder(int[] order, int epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (!shuffle) {
            return;
        }
        SplittableRandom random = new SplittableRandom(mix64(shuffleSeed + 0x9E3779B97F4A7C15L * epoch));
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer, so nearby (seed, epoch) pairs get unrelated streams. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void gather(LabeledData data, int[] order, int start, int n, float[] x, int[] y) {
        int inputs = data.inputs();
        for (int i = 0; i < n; i++) {
            int row = order[start + i];
            System.arraycopy(data.features(), row * inputs, x, i * inputs, inputs);
            y[i] = data.labels()[row];
        }
    }

    /** Mean loss (weighted by batch size) and accuracy over {@code data}, in evaluation mode. */
    private double[] evaluate(LabeledData data, float[] x, int[] y) {
        int inputs = data.inputs();
        int[] predicted = new int[batchSize];
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.size(); start += batchSize) {
            int n = Math.min(batchSize, data.size() - start);
            System.arraycopy(data.features(), start * inputs, x, 0, n * inputs);
            System.arraycopy(data.labels(), start, y, 0, n);
            lossSum += (double) model.loss(x, y, n) * n;
            model.predict(x, n, predicted);
            for (int i = 0; i < n; i++) {
                if (predicted[i] == y[i]) {
                    correct++;
                }
            }
        }
        return new double[] {lossSum / data.size(), (double) correct / data.size()};
    }

    /**
     * Saves through a temporary sibling and an atomic rename, so that even a model whose own save is
     * not atomic cannot leave a torn checkpoint behind.
     */
    private void writeAtomically(Path target, Map<String, String> metadata) throws IOException {
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            model.saveCheckpoint(temporary, metadata);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private LoopState resume() throws IOException {
        Map<String, String> metadata = Safetensors.read(resumeFrom).metadata();
        LoopState state = LoopState.fromMetadata(metadata, resumeFrom);
        requireSame(metadata, LoopState.BATCH_SIZE, Integer.toString(batchSize), "batch size");
        requireSame(metadata, LoopState.SHUFFLE_SEED, shuffle ? Long.toString(shuffleSeed) : "none", "shuffle seed");
        requireSame(metadata, LoopState.MONITOR, monitor.name(), "monitored metric");
        model.load(resumeFrom);
        if (schedule == null) {
            model.learningRate(state.baseLr);
        }
        return state;
    }

    private void requireSame(Map<String, String> metadata, String key, String expected, String what) {
        String saved = metadata.get(key);
        if (!expected.equals(saved)) {
            throw new IllegalArgumentException("cannot resume exactly from " + resumeFrom + ": it was trained with "
                    + what + " " + saved + ", this run uses " + expected);
        }
    }

    /** What a checkpoint must carry, besides the model, to continue a run exactly. */
    private static final class LoopState {
        static final String EPOCH = "train.epoch";
        static final String BASE_LR = "train.base_lr";
        static final String SCHEDULE_STEP = "train.schedule_step";
        static final String BEST_METRIC = "train.best_metric";
        static final String EPOCHS_WITHOUT_IMPROVEMENT = "train.epochs_without_improvement";
        static final String BATCH_SIZE = "train.batch_size";
        static final String SHUFFLE_SEED = "train.shuffle_seed";
        static final String MONITOR = "train.monitor";
        static final String HISTORY = "train.history";

        int epochsDone;
        double baseLr;
        long scheduleStep;
        double bestMetric = Double.NaN;
        int epochsWithoutImprovement;
        final List<EpochResult> history = new ArrayList<>();

        static LoopState fresh(double baseLr) {
            LoopState state = new LoopState();
            state.baseLr = baseLr;
            return state;
        }

        static LoopState fromMetadata(Map<String, String> metadata, Path source) throws IOException {
            LoopState state = new LoopState();
            try {
                state.epochsDone = Integer.parseInt(required(metadata, EPOCH, source));
                state.baseLr = Double.parseDouble(required(metadata, BASE_LR, source));
                state.scheduleStep = Long.parseLong(required(metadata, SCHEDULE_STEP, source));
                state.bestMetric = Double.parseDouble(required(metadata, BEST_METRIC, source));
                state.epochsWithoutImprovement = Integer.parseInt(required(metadata, EPOCHS_WITHOUT_IMPROVEMENT, source));
                state.history.addAll(History.fromCsv(required(metadata, HISTORY, source)));
            } catch (IllegalArgumentException e) {
                throw new IOException(source + ": malformed training state: " + e.getMessage(), e);
            }
            return state;
        }

        private static String required(Map<String, String> metadata, String key, Path source) throws IOException {
            String value = metadata.get(key);
            if (value == null) {
                throw new IOException(source + " is not a training checkpoint: its metadata has no " + key);
            }
            return value;
        }

        Map<String, String> toMetadata(Fit fit) {
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put(EPOCH, Integer.toString(epochsDone));
            metadata.put(BASE_LR, Double.toString(baseLr));
            metadata.put(SCHEDULE_STEP, Long.toString(scheduleStep));
            metadata.put(BEST_METRIC, Double.toString(bestMetric));
            metadata.put(EPOCHS_WITHOUT_IMPROVEMENT, Integer.toString(epochsWithoutImprovement));
            metadata.put(BATCH_SIZE, Integer.toString(fit.batchSize));
            metadata.put(SHUFFLE_SEED, fit.shuffle ? Long.toString(fit.shuffleSeed) : "none");
            metadata.put(MONITOR, fit.monitor.name());
            metadata.put(HISTORY, new History(history, fit.monitor, false).toCsv());
            return metadata;
        }
    }
}
