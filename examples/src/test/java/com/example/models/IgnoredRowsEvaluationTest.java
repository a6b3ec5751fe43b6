package com.example.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.Options;
import dev.kiln.data.Dataset;
import dev.kiln.train.Evaluation;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Rows labelled with the loss's ignore index count in neither the evaluation loss nor the accuracy. */
class IgnoredRowsEvaluationTest {

    @Test
    void generatedModelsReportTheirIgnoreIndex() {
        try (KilnIgnoringNet ignoring = new KilnIgnoringNet(Options.defaults().withThreads(1));
             KilnDropoutMlp plain = new KilnDropoutMlp(Options.defaults().withThreads(1))) {
            assertEquals(1, ignoring.ignoreIndex());
            assertEquals(-100, plain.ignoreIndex(), "PyTorch's default ignore_index");
        }
    }

    @Test
    void evaluationLeavesIgnoredRowsOut() {
        int rows = 50, features = 5, classes = 4;
        Random random = new Random(3);
        float[] x = new float[rows * features];
        int[] labels = new int[rows];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < rows; i++) {
            labels[i] = random.nextInt(classes);
        }
        try (KilnIgnoringNet model = new KilnIgnoringNet(Options.defaults().withThreads(1))) {
            Evaluation evaluation = Evaluation.of(model, Dataset.of(x, labels, features, classes), 16);

            int[] predicted = new int[rows];
            float[] losses = new float[rows];
            model.predict(x, rows, predicted);
            model.losses(x, labels, rows, losses);
            int counted = 0, correct = 0;
            double lossSum = 0;
            for (int i = 0; i < rows; i++) {
                if (labels[i] != model.ignoreIndex()) {
                    counted++;
                    correct += predicted[i] == labels[i] ? 1 : 0;
                    lossSum += losses[i];
                }
            }
            assertEquals(true, counted < rows, "the data has ignored rows");
            assertEquals((double) correct / counted, evaluation.accuracy());
            assertEquals(lossSum / counted, evaluation.loss(), 1e-5 * Math.abs(lossSum / counted));
        }
    }
}
