package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
    private static final Path IRIS = TestData.resource("iris.csv");

    @TempDir
    Path dir;

    private static Dataset read(CsvReader reader, String text) throws IOException {
        return reader.read(new StringReader(text), "test.csv");
    }

    private static void assertError(String message, CsvReader reader, String text) {
        var e = assertThrows(DataFormatException.class, () -> read(reader, text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void readsIris() throws IOException {
        Dataset iris = CsvReader.defaults().withLabelColumn("species").withNamedLabels().read(IRIS);
        assertEquals(150, iris.size());
        assertEquals(4, iris.features());
        assertEquals(3, iris.classes());
        assertEquals(List.of("setosa", "versicolor", "virginica"), iris.classNames());
        assertArrayEquals(new int[] {50, 50, 50}, iris.classCounts());
        // Known column sums of Fisher's data (means 5.843, 3.057, 3.758, 1.199 cm).
        double[] sums = new double[4];
        for (int i = 0; i < 150; i++) {
            for (int f = 0; f < 4; f++) {
                sums[f] += iris.feature(i, f);
            }
        }
        assertArrayEquals(new double[] {876.5, 458.6, 563.7, 179.9}, sums, 1e-3);
        assertEquals(5.1f, iris.feature(0, 0));
        assertEquals(1.8f, iris.feature(149, 3));
        assertEquals(2, iris.label(149));
    }

    @Test
    void irisCopyForTheExamplesIsIdentical() throws IOException {
        Path examplesCopy = Path.of("..", "examples", "src", "main", "resources", "iris.csv");
        assertArrayEquals(Files.readAllBytes(IRIS), Files.readAllBytes(examplesCopy));
    }

    @Test
    void defaultsAreIntegerLabelsInTheLastColumn() throws IOException {
        Dataset data = read(CsvReader.defaults(), "1,2,0\n3,4,2\n\n5,6,1\n");
        assertEquals(3, data.size());
        assertEquals(2, data.features());
        assertEquals(3, data.classes());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, data.featureArray());
        assertArrayEquals(new int[] {0, 2, 1}, data.labelArray());
        assertEquals(List.of(), data.classNames());
    }

    @Test
    void detectsAHeaderByItsNonNumericFeatureCells() throws IOException {
        assertEquals(1, read(CsvReader.defaults(), "a,b,label\n1,2,0\n").size());
        assertEquals(2, read(CsvReader.defaults(), "1,2,0\n1,2,0\n").size());
        // Numeric column names need an explicit header.
        assertEquals(1, read(CsvReader.defaults().withHeader(CsvReader.Header.PRESENT), "1,2,0\n1,2,0\n").size());
        assertError("test.csv: line 1, column 1: 'a' is not a number",
                CsvReader.defaults().withHeader(CsvReader.Header.ABSENT), "a,b,label\n1,2,0\n");
    }

    @Test
    void choosesTheLabelColumnByIndexOrName() throws IOException {
        Dataset byIndex = read(CsvReader.defaults().withLabelColumn(0), "2,1.5,2.5\n0,3.5,4.5\n");
        assertArrayEquals(new int[] {2, 0}, byIndex.labelArray());
        assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f, 4.5f}, byIndex.featureArray());
        Dataset byName = read(CsvReader.defaults().withLabelColumn("y"), "a,y,b\n1,1,2\n3,0,4\n");
        assertArrayEquals(new int[] {1, 0}, byName.labelArray());
        assertArrayEquals(new float[] {1, 2, 3, 4}, byName.featureArray());
    }

    @Test
    void numbersNamedLabelsInSortedOrder() throws IOException {
        Dataset data = read(CsvReader.defaults().withNamedLabels(), "1,dog\n2,cat\n3,emu\n4,cat\n");
        assertEquals(List.of("cat", "dog", "emu"), data.classNames());
        assertArrayEquals(new int[] {1, 0, 2, 0}, data.labelArray());
    }

    @Test
    void usesGivenClassNames() throws IOException {
        CsvReader reader = CsvReader.defaults().withClassNames(List.of("emu", "dog", "cat"));
        Dataset data = read(reader, "1,dog\n2,cat\n");
        assertEquals(3, data.classes());
        assertEquals(List.of("emu", "dog", "cat"), data.classNames());
        assertArrayEquals(new int[] {1, 2}, data.labelArray());
        assertError("test.csv: line 2, column 2: label 'owl' is not one of the classes [emu, dog, cat]",
                reader, "1,dog\n2,owl\n");
        assertThrows(IllegalArgumentException.class, () -> CsvReader.defaults().withClassNames(List.of("a", "a")));
    }

    @Test
    void fixedClassCountChecksTheRange() throws IOException {
        assertEquals(5, read(CsvReader.defaults().withClasses(5), "1,0\n2,1\n").classes());
        assertError("test.csv: line 3, column 2 (label): label 5 is outside [0, 5)",
                CsvReader.defaults().withClasses(5), "x,label\n1,0\n2,5\n");
        assertError("test.csv: line 1, column 2: label -1 is outside [0, infinity)", CsvReader.defaults(), "1,-1\n");
    }

    @Test
    void honoursDelimiterQuotesSpacesAndBom() throws IOException {
        Dataset semicolons = read(CsvReader.defaults().withDelimiter(';'), "\uFEFF\"a;1\" ; b ;c\n 1.5 ; 2e1 ;1\n");
        assertArrayEquals(new float[] {1.5f, 20f}, semicolons.featureArray());
        Dataset tabs = read(CsvReader.defaults().withDelimiter('\t').withLabelColumn("the \"label\""),
                "x\t\"the \"\"label\"\"\"\r\n-3\t0\r\n");
        assertArrayEquals(new float[] {-3f}, tabs.featureArray());
        assertThrows(IllegalArgumentException.class, () -> CsvReader.defaults().withDelimiter('"'));
    }

    @Test
    void namesFileLineAndColumnInErrors() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,2,0\n1,x,1\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.defaults().read(file));
        assertEquals(file + ": line 3, column 2 (b): 'x' is not a number", e.getMessage());
        assertEquals(file.toString(), e.source());
        assertEquals("line 3, column 2 (b)", e.position());
    }

    @Test
    void reportsMalformedRows() {
        CsvReader csv = CsvReader.defaults();
        assertError("test.csv: line 3: expected 3 columns, found 2", csv, "1,2,0\n\n1,0\n");
        assertError("test.csv: line 2, column 1: empty cell", csv, "1,2,0\n,2,0\n");
        assertError("test.csv: line 1, column 2: empty cell", csv, "1,,0\n");
        assertError("test.csv: line 1, column 3: empty label", csv, "1,2,\n");
        assertError("test.csv: line 2, column 2: 'NaN' is not a finite number", csv, "1,2,0\n1,NaN,0\n");
        assertError("test.csv: line 1, column 2: label '0.5' is not an integer class index"
                + " (use withNamedLabels() for class names)", csv, "1,0.5\n");
        assertError("test.csv: line 1, column 1: unclosed quote", csv, "\"1,2\n");
        assertError("test.csv: line 1, column 1: text after a closing quote", csv, "\"1\"2,0\n");
        assertError("test.csv: line 1: found 1 column; a feature and a label need at least 2 (delimiter ',')",
                csv, "1;2;0\n");
    }

    @Test
    void reportsFilesWithoutData() {
        assertError("test.csv: end of file: the file is empty", CsvReader.defaults(), "");
        assertError("test.csv: end of file: no data rows in 2 lines", CsvReader.defaults(), "a,label\n  \n");
    }

    @Test
    void reportsAMissingLabelColumn() {
        assertError("test.csv: line 1: no column named 'y' in the header [a, b]",
                CsvReader.defaults().withLabelColumn("y"), "a,b\n1,0\n");
        assertError("test.csv: line 1: the label column is named 'y', but the file has no header",
                CsvReader.defaults().withLabelColumn("y").withHeader(CsvReader.Header.ABSENT), "1,0\n");
        assertError("test.csv: line 1: label column 4 does not exist: the line has 2 columns",
                CsvReader.defaults().withLabelColumn(3), "1,0\n");
    }
}
