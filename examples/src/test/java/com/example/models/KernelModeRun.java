package com.example.models;

import dev.kiln.KilnModel;
import dev.kiln.Options;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Trains the wide test models on fixed data and reports every loss and the final logits as float bits,
 * saving the parameters: run once with the Vector API and once without, the two reports and files must
 * be identical ({@link KernelModesAgreeTest}).
 */
final class KernelModeRun {
    /** Batch sizes in turn: odd, larger than the small-layer threshold, and a multiple of the tile rows. */
    private static final int[] BATCHES = {37, 100, 66};
    private static final int MAX_BATCH = Arrays.stream(BATCHES).max().getAsInt();
    private static final int STEPS = 24;

    private KernelModeRun() {}

    /** Usage: {@code KernelModeRun <directory> <threads>}; prints the report, one line per value. */
    public static void main(String[] args) throws IOException {
        String vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? "present" : "absent";
        System.out.println("vector module " + vector);
        for (String line : run(Path.of(args[0]), Integer.parseInt(args[1]))) {
            System.out.println(line);
        }
    }

    static List<String> run(Path directory, int threads) throws IOException {
        Files.createDirectories(directory);
        Options options = Options.defaults().withSeed(7).withThreads(threads);
        List<String> report = new ArrayList<>();
        train("WideGeluNet", KilnWideGeluNet::new, options, directory, report);
        train("WideDropoutNet", KilnWideDropoutNet::new, options, directory, report);
        return report;
    }

    private static void train(String name, Function<Options, KilnModel> constructor, Options options,
                              Path directory, List<String> report) throws IOException {
        try (KilnModel model = constructor.apply(options)) {
            Random random = new Random(11);
            float[] x = new float[MAX_BATCH * model.inputs()];
            int[] labels = new int[MAX_BATCH];
            for (int step = 0; step < STEPS; step++) {
                int n = BATCHES[step % BATCHES.length];
                for (int i = 0; i < n * model.inputs(); i++) {
                    x[i] = (float) random.nextGaussian();
                }
                for (int r = 0; r < n; r++) {
                    labels[r] = random.nextInt(model.classes());
                }
                report.add(name + " step " + step + " loss " + bits(model.trainStep(x, labels, n)));
            }
            float[] logits = new float[MAX_BATCH * model.classes()];
            model.logits(x, MAX_BATCH, logits);
            for (int i = 0; i < logits.length; i++) {
                report.add(name + " logit " + i + " " + bits(logits[i]));
            }
            model.save(directory.resolve(name + ".safetensors"));
        }
    }

    private static String bits(float value) {
        return Integer.toHexString(Float.floatToRawIntBits(value)) + " (" + value + ")";
    }
}
