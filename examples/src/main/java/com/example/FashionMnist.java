package com.example;

import dev.kiln.Options;
import dev.kiln.data.Dataset;
import dev.kiln.data.Idx;
import dev.kiln.data.Standardizer;
import dev.kiln.train.ConsoleProgress;
import dev.kiln.train.CosineAnnealingLR;
import dev.kiln.train.Evaluation;
import dev.kiln.train.Fit;
import dev.kiln.train.History;
import dev.kiln.train.LearningRateSchedule;
import dev.kiln.train.TrainingListener;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Trains {@link FashionMnistNet} on Fashion-MNIST as Debian's {@code dataset-fashion-mnist} installs
 * it, scores it on the 10,000 test images and writes the model, the training history and its chart.
 *
 * <h2>The recipe</h2>
 * Pixels scaled to [0, 1]; 6,000 of the 60,000 training images held out for validation (a seeded
 * shuffle); each pixel standardised with the mean and deviation of the training part; a 784 → 256 → 128 → 10 ReLU perceptron with PyTorch's default initialisation (seed 0);
 * cross-entropy with label smoothing 0.1; SGD with momentum 0.9 on shuffled batches of {@value
 * #BATCH_SIZE}; the learning rate annealed from 0.1 to 0 along a cosine over all {@value #EPOCHS}
 * epochs, updated every step. The same recipe in PyTorch is {@code
 * benchmarks/fashion_mnist_side_by_side.py}.
 *
 * <h2>Running it</h2>
 * {@code mvn -q -pl examples -am -DskipTests package exec:exec} from the repository root, or {@code
 * java --add-modules jdk.incubator.vector -cp ... com.example.FashionMnist [options]}:
 *
 * <pre>
 * --data DIR      the four IDX files, raw or gzipped (default /usr/share/datasets/fashion-mnist)
 * --output DIR    where the model, history.csv and history.png go (default target/fashion-mnist)
 * --epochs N      epochs to train (default {@value #EPOCHS}); the schedule spans them all
 * --batch-size N  rows per optimizer step (default {@value #BATCH_SIZE})
 * --threads N     worker threads (default: every processor)
 * </pre>
 *
 * <p>Exits with status 1, saying how to install the dataset, when it is missing, and 2 on bad options.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} puts the files. */
    public static final Path DEFAULT_DATA = Path.of("/usr/share/datasets/fashion-mnist");
    /** Where the results go by default, relative to the working directory. */
    public static final Path DEFAULT_OUTPUT = Path.of("target", "fashion-mnist");
    /** Epochs of the recipe. */
    public static final int EPOCHS = 10;
    /** Rows per optimizer step. */
    public static final int BATCH_SIZE = 128;
    /** The fraction of the training images held out for validation. */
    public static final double VALIDATION_FRACTION = 0.1;
    /** Seeds the initial weights, the validation split and the epoch orders. */
    public static final long SEED = 0;

    static final String MODEL_FILE = "fashion-mnist.safetensors";
    static final String HISTORY_CSV = "history.csv";
    static final String HISTORY_CHART = "history.png";
    static final String INSTALL_COMMAND = "sudo apt-get install dataset-fashion-mnist";

    private static final String USAGE =
            "usage: FashionMnist [--data DIR] [--output DIR] [--epochs N] [--batch-size N] [--threads N]";

    /** What to run: the options of the command line. */
    record Settings(Path data, Path output, int epochs, int batchSize, int threads) {
        static Settings parse(String... args) {
            Path data = DEFAULT_DATA;
            Path output = DEFAULT_OUTPUT;
            int epochs = EPOCHS;
            int batchSize = BATCH_SIZE;
            int threads = Runtime.getRuntime().availableProcessors();
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                String value = args[i + 1];
                switch (args[i]) {
                    case "--data" -> data = Path.of(value);
                    case "--output" -> output = Path.of(value);
                    case "--epochs" -> epochs = positive(args[i], value);
                    case "--batch-size" -> batchSize = positive(args[i], value);
                    case "--threads" -> threads = positive(args[i], value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            return new Settings(data, output, epochs, batchSize, threads);
        }

        private static int positive(String option, String value) {
            try {
                int n = Integer.parseInt(value);
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " needs a positive integer, got " + value);
        }
    }

    private FashionMnist() {}

    public static void main(String[] args) throws IOException {
        int status = run(args, System.out, System.err, ConsoleProgress.forStandardOutput());
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the example, printing to {@code out} and {@code err} and reporting epochs to {@code progress}.
     *
     * @return the exit status: 0, 1 if the dataset is missing, 2 for bad options
     */
    static int run(String[] args, PrintStream out, PrintStream err, TrainingListener progress) throws IOException {
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        long started = System.nanoTime();
        Data data;
        try {
            data = load(settings.data());
        } catch (NoSuchFileException e) {
            err.println("Fashion-MNIST is not in " + settings.data() + ": " + e.getMessage() + ".");
            err.println("Install Debian's package with `" + INSTALL_COMMAND + "`,");
            err.println("or pass --data DIR naming a directory with train-images-idx3-ubyte.gz, "
                    + "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.");
            return 1;
        }
        Dataset training = data.train();
        Dataset validation = data.validation();
        Dataset test = data.test();
        double loadSeconds = seconds(started);
        out.printf(Locale.ROOT, "Fashion-MNIST from %s: %,d training, %,d validation and %,d test images (%.1f s)%n",
                settings.data(), training.size(), validation.size(), test.size(), loadSeconds);

        // Timed from the model's construction, which includes the kernels' one-off JIT warm-up.
        long trainingStarted = System.nanoTime();
        try (KilnFashionMnistNet model =
                new KilnFashionMnistNet(Options.defaults().withSeed(SEED).withThreads(settings.threads()))) {
            out.printf(Locale.ROOT, "784-256-128-10 ReLU MLP, %,d parameters; SGD momentum 0.9, label smoothing 0.1, "
                    + "cosine from lr %.2g over %d epochs of batch %d; %d threads%n",
                    model.parameterCount(), model.learningRate(), settings.epochs(), settings.batchSize(),
                    settings.threads());
            int batchesPerEpoch = (training.size() + settings.batchSize() - 1) / settings.batchSize();
            History history = Fit.model(model)
                    .epochs(settings.epochs())
                    .batchSize(settings.batchSize())
                    .shuffleSeed(SEED)
                    .validation(validation)
                    .scheduler(new CosineAnnealingLR((long) settings.epochs() * batchesPerEpoch, 0),
                            LearningRateSchedule.Interval.STEP)
                    .quiet()
                    .listener(progress)
                    .run(training);
            double trainingSeconds = seconds(trainingStarted);
            Evaluation score = Evaluation.of(model, test, 1000);

            Files.createDirectories(settings.output());
            Path modelFile = settings.output().resolve(MODEL_FILE);
            model.save(modelFile);
            history.writeCsv(settings.output().resolve(HISTORY_CSV));
            history.writeChart(settings.output().resolve(HISTORY_CHART));

            out.printf(Locale.ROOT, "test accuracy %.2f%% (test loss %.4f) after %d epochs%n",
                    100 * score.accuracy(), score.loss(), history.epochs().size());
            out.printf(Locale.ROOT, "wall time: training %.1f s, total %.1f s%n", trainingSeconds, seconds(started));
            out.println("wrote " + modelFile + ", " + HISTORY_CSV + " and " + HISTORY_CHART);
        }
        return 0;
    }

    /** The three parts of the data, standardised with the statistics of the training part. */
    record Data(Dataset train, Dataset validation, Dataset test) {}

    /**
     * Loads the dataset in {@code directory}, holds out the validation part and standardises every
     * part as the recipe does; a model this example saved expects its inputs prepared this way.
     */
    static Data load(Path directory) throws IOException {
        Dataset.Split split = Idx.loadMnist(directory, Idx.Part.TRAIN).split(VALIDATION_FRACTION, SEED);
        Standardizer standardizer = Standardizer.fit(split.train());
        return new Data(standardizer.apply(split.train()), standardizer.apply(split.validation()),
                standardizer.apply(Idx.loadMnist(directory, Idx.Part.TEST)));
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
