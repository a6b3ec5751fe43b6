package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.data.Dataset;
import dev.kiln.train.Evaluation;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class IrisTest {

    @Test
    void readsTheSpeciesAsThreeBalancedClasses() throws IOException {
        Dataset iris = Iris.read();
        assertEquals(150, iris.size());
        assertEquals(4, iris.features());
        assertEquals(List.of("setosa", "versicolor", "virginica"), iris.classNames());
        assertEquals(List.of(50, 50, 50), java.util.Arrays.stream(iris.classCounts()).boxed().toList());
    }

    @Test
    void classifiesHeldOutFlowers() throws IOException {
        Evaluation heldOut = Iris.train(false);
        assertTrue(heldOut.accuracy() >= 0.9, heldOut.toString());
    }
}
