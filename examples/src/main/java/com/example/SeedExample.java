package com.example;

import dev.kiln.Options;
import java.util.Arrays;
import java.util.Locale;

/**
 * The PyTorch label-smoothing tutorial in Kiln: three samples, three classes, five epochs. With seed 0
 * it prints exactly what the tutorial prints after {@code torch.manual_seed(0)}.
 */
public final class SeedExample {
    private SeedExample() {}

    public static void main(String[] args) {
        float[] inputs = {
            1, 2, 3,
            1, 0, 0,
            0, 1, 0,
        };
        int[] labels = {2, 0, 1};
        int n = labels.length;
        try (KilnSeedNet model = new KilnSeedNet(Options.defaults().withSeed(0).withThreads(1))) {
            for (int epoch = 0; epoch < 5; epoch++) {
                float loss = model.trainStep(inputs, labels, n);
                System.out.printf(Locale.ROOT, "Epoch %d, Loss: %.4f%n", epoch + 1, loss);
            }
            int[] predicted = new int[n];
            model.predict(inputs, n, predicted);
            System.out.println("Predicted classes: " + Arrays.toString(predicted));
        }
    }
}
