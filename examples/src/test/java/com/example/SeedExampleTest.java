package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The seed example prints what the PyTorch tutorial prints (seed-expected.txt is PyTorch's own output). */
class SeedExampleTest {

    @Test
    void printsTheSameLinesAsPyTorch() throws IOException {
        String expected;
        try (InputStream in = SeedExampleTest.class.getResourceAsStream("/seed-expected.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            SeedExample.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        assertEquals(expected.strip().lines().toList(),
                captured.toString(StandardCharsets.UTF_8).strip().lines().toList());
    }
}
