package com.example.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SIMD and scalar kernels give the same bits: models trained here, on the Vector API kernels with two
 * threads, and in a JVM started without {@code --add-modules jdk.incubator.vector}, on the scalar
 * fallback, report the same losses and logits and save byte-identical files.
 */
class KernelModesAgreeTest {
    @TempDir
    Path dir;

    @Test
    void trainingWithoutTheVectorApiGivesTheSameBits() throws IOException, InterruptedException {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "this test runs the SIMD kernels here; start it with --add-modules jdk.incubator.vector");
        List<String> simd = KernelModeRun.run(dir.resolve("simd"), 2);

        Path scalarDir = dir.resolve("scalar");
        Path stderr = dir.resolve("scalar.err");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KernelModeRun.class.getName(),
                scalarDir.toString(), "1")
                .redirectError(stderr.toFile())
                .start();
        List<String> scalar = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines().toList();
        assertEquals(0, child.waitFor(), () -> "the scalar run failed: " + read(stderr));
        assertEquals("vector module absent", scalar.get(0));

        assertEquals(simd.size(), scalar.size() - 1);
        for (int i = 0; i < simd.size(); i++) {
            assertEquals(simd.get(i), scalar.get(i + 1), "SIMD (left) and scalar kernels differ");
        }
        for (String name : List.of("WideGeluNet.safetensors", "WideDropoutNet.safetensors")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("simd").resolve(name)),
                    Files.readAllBytes(scalarDir.resolve(name)), name);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
