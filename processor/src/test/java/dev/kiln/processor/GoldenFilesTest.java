package dev.kiln.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated source, to the character, for a few models: reviewable in diffs, and proof that
 * output is deterministic. After an intended change of the emitter, regenerate with
 * {@code mvn -pl processor -am test -Dtest=GoldenFilesTest -Dkiln.updateGolden=true
 * -Dsurefire.failIfNoSpecifiedTests=false} and review the diff.
 */
class GoldenFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"SeedNet", "Classifier", "FashionMlp"})
    void generatedSourceMatchesGoldenFile(String model) throws IOException {
        JavaFileObject source = JavaFileObjects.forResource("golden/" + model + ".java");
        Compilation first = Compiler.javac().withProcessors(new KilnProcessor()).compile(source);
        assertThat(first).succeededWithoutWarnings();
        String generated = first.generatedSourceFile("golden.Kiln" + model).orElseThrow()
                .getCharContent(true).toString();
        Compilation second = Compiler.javac().withProcessors(new KilnProcessor()).compile(source);
        assertEquals(generated, second.generatedSourceFile("golden.Kiln" + model).orElseThrow()
                .getCharContent(true).toString(), "output must be deterministic");

        String golden = "golden/Kiln" + model + ".java.txt";
        if (Boolean.getBoolean("kiln.updateGolden")) {
            Files.writeString(Path.of("src/test/resources").resolve(golden), generated, StandardCharsets.UTF_8);
        }
        try (InputStream in = GoldenFilesTest.class.getClassLoader().getResourceAsStream(golden)) {
            if (in == null) {
                throw new AssertionError("no golden file " + golden + "; generate it with -Dkiln.updateGolden=true");
            }
            assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), generated);
        }
    }
}
