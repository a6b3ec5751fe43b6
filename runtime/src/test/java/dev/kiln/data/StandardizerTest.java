package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class StandardizerTest {

    @Test
    void fitsPopulationMeanAndStandardDeviation() {
        // Feature 0: 1, 2, 3 (mean 2, std sqrt(2/3)); feature 1 is constant.
        Dataset train = Dataset.of(new float[] {1, 7, 2, 7, 3, 7}, new int[] {0, 1, 0}, 2, 2);
        Standardizer standardizer = Standardizer.fit(train);
        float std = (float) Math.sqrt(2.0 / 3);
        assertArrayEquals(new float[] {2, 7}, standardizer.mean());
        assertArrayEquals(new float[] {std, 1}, standardizer.scale());

        Dataset standardized = standardizer.apply(train);
        assertArrayEquals(new float[] {-1 / std, 0, 0, 0, 1 / std, 0}, standardized.featureArray());
        assertArrayEquals(train.labelArray(), standardized.labelArray());
        assertArrayEquals(new float[] {1, 7, 2, 7, 3, 7}, train.featureArray(), "the input is unchanged");
    }

    @Test
    void appliesTrainingStatisticsToOtherData() {
        Standardizer standardizer =
                Standardizer.fit(Dataset.of(new float[] {1, 7, 2, 7, 3, 7}, new int[] {0, 1, 0}, 2, 2));
        Dataset validation = Dataset.of(new float[] {4, 8}, new int[] {1}, 2, 2, List.of("a", "b"));
        Dataset standardized = standardizer.apply(validation);
        assertArrayEquals(new float[] {(4 - 2) / (float) Math.sqrt(2.0 / 3), 1}, standardized.featureArray());
        assertEquals(List.of("a", "b"), standardized.classNames());
    }

    @Test
    void standardizedIrisHasZeroMeanAndUnitVariance() throws IOException {
        Dataset iris = CsvReader.defaults().withNamedLabels().read(TestData.resource("iris.csv"));
        Dataset.Split split = iris.split(0.2, 1);
        Dataset train = Standardizer.fit(split.train()).apply(split.train());
        for (int f = 0; f < train.features(); f++) {
            double sum = 0;
            double squares = 0;
            for (int i = 0; i < train.size(); i++) {
                sum += train.feature(i, f);
                squares += (double) train.feature(i, f) * train.feature(i, f);
            }
            assertEquals(0, sum / train.size(), 1e-6);
            assertEquals(1, squares / train.size(), 1e-5);
        }
    }

    @Test
    void rejectsEmptyAndMismatchedData() {
        Dataset data = Dataset.of(new float[] {1, 2}, new int[] {0}, 2, 1);
        assertThrows(IllegalArgumentException.class, () -> Standardizer.fit(data.slice(0, 0)));
        assertThrows(IllegalArgumentException.class,
                () -> Standardizer.fit(data).apply(Dataset.of(new float[] {1}, new int[] {0}, 1, 1)));
    }
}
