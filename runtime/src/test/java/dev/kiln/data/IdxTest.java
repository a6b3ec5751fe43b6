package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    private static final Path IMAGES = TestData.resource("tiny-images-idx3-ubyte");
    private static final Path LABELS = TestData.resource("tiny-labels-idx1-ubyte");
    private static final Path IMAGES_GZ = TestData.resource("tiny-images-idx3-ubyte.gz");
    private static final Path LABELS_GZ = TestData.resource("tiny-labels-idx1-ubyte.gz");

    @TempDir
    Path dir;

    /** tiny-expected.txt: per image, its label and then its 12 pixel bytes. */
    private static int[][] expected() throws IOException {
        return Files.readAllLines(TestData.resource("tiny-expected.txt")).stream()
                .filter(line -> !line.startsWith("#"))
                .map(line -> Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray())
                .toArray(int[][]::new);
    }

    @Test
    void loadsRawAndGzippedFilesAlike() throws IOException {
        int[][] expected = expected();
        for (Dataset data : List.of(Idx.load(IMAGES, LABELS, 10), Idx.load(IMAGES_GZ, LABELS_GZ, 10))) {
            assertEquals(5, data.size());
            assertEquals(12, data.features());
            assertEquals(10, data.classes());
            for (int i = 0; i < 5; i++) {
                assertEquals(expected[i][0], data.label(i));
                for (int p = 0; p < 12; p++) {
                    // Bit-exact x / 255f, as torchvision's ToTensor divides.
                    assertEquals(expected[i][1 + p] / 255f, data.feature(i, p));
                }
            }
            assertEquals(0f, data.feature(0, 0));
            assertEquals(1f, data.feature(4, 11));
        }
    }

    @Test
    void rawScalingKeepsByteValues() throws IOException {
        int[][] expected = expected();
        Idx.Images images = Idx.readImages(IMAGES_GZ, Idx.Scaling.RAW);
        assertEquals(5, images.count());
        assertEquals(3, images.rows());
        assertEquals(4, images.columns());
        assertEquals(12, images.pixelsPerImage());
        for (int i = 0; i < 5; i++) {
            for (int p = 0; p < 12; p++) {
                assertEquals((float) expected[i][1 + p], images.pixels()[12 * i + p]);
            }
        }
        assertArrayEquals(Arrays.stream(expected).mapToInt(row -> row[0]).toArray(), Idx.readLabels(LABELS));
    }

    @Test
    void detectsCompressionByContentNotName() throws IOException {
        Path gzipNamedRaw = Files.copy(IMAGES_GZ, dir.resolve("images-idx3-ubyte"));
        Path rawNamedGz = Files.copy(IMAGES, dir.resolve("images-idx3-ubyte.gz"));
        float[] reference = Idx.readImages(IMAGES, Idx.Scaling.RAW).pixels();
        assertArrayEquals(reference, Idx.readImages(gzipNamedRaw, Idx.Scaling.RAW).pixels());
        assertArrayEquals(reference, Idx.readImages(rawNamedGz, Idx.Scaling.RAW).pixels());
    }

    @Test
    void loadsTheStandardFileNamesOfADirectory() throws IOException {
        Files.copy(IMAGES_GZ, dir.resolve("t10k-images-idx3-ubyte.gz"));
        Files.copy(LABELS, dir.resolve("t10k-labels-idx1-ubyte"));
        Dataset test = Idx.loadMnist(dir, Idx.Part.TEST);
        assertArrayEquals(Idx.load(IMAGES, LABELS, 10).featureArray(), test.featureArray());
        var missing = assertThrows(NoSuchFileException.class, () -> Idx.loadMnist(dir, Idx.Part.TRAIN));
        assertEquals(dir.resolve("train-images-idx3-ubyte.gz") + ": neither it nor "
                + dir.resolve("train-images-idx3-ubyte") + " exists", missing.getMessage());
    }

    @Test
    void rejectsSwappedFiles() {
        assertError("byte 3", "magic 0x00000801 has 1 dimensions, but an image file has 3 (magic 0x00000803)",
                () -> Idx.readImages(LABELS, Idx.Scaling.UNIT_INTERVAL));
        assertError("byte 3 of the decompressed data",
                "magic 0x00000803 has 3 dimensions, but a label file has 1 (magic 0x00000801)",
                () -> Idx.readLabels(IMAGES_GZ));
    }

    @Test
    void rejectsOtherFormats() throws IOException {
        Path text = write("text", "hello, world".getBytes());
        assertError("byte 0", "not an IDX file: it starts with 0x6865, not two zero bytes",
                () -> Idx.readLabels(text));
        Path floats = write("floats", header(0x0D01, 1), new byte[4]);
        assertError("byte 2", "IDX element type 0x0D is not supported", () -> Idx.readLabels(floats));
        Path tiny = write("tiny", new byte[] {0, 0});
        assertError("byte 2", "truncated: the data ends within the 4-byte magic number", () -> Idx.readLabels(tiny));
        Path empty = write("empty", new byte[0]);
        assertError("byte 0", "truncated", () -> Idx.readLabels(empty));
    }

    @Test
    void rejectsTruncatedFiles() throws IOException {
        byte[] whole = Files.readAllBytes(IMAGES);
        Path shortRaw = write("short", Arrays.copyOf(whole, whole.length - 1));
        assertError("byte 75", "truncated: the data ends within the 60 data bytes the header promises",
                () -> Idx.readImages(shortRaw, Idx.Scaling.RAW));
        Path shortHeader = write("short-header", Arrays.copyOf(whole, 10));
        assertError("byte 10", "truncated: the data ends within 3 dimension sizes",
                () -> Idx.readImages(shortHeader, Idx.Scaling.RAW));
        byte[] gz = Files.readAllBytes(IMAGES_GZ);
        Path shortGz = write("short.gz", Arrays.copyOf(gz, gz.length - 12));
        assertError("of the decompressed data", "corrupt or truncated gzip data",
                () -> Idx.readImages(shortGz, Idx.Scaling.RAW));
        Path shortGzipHeader = write("short-gzip-header", new byte[] {0x1f, (byte) 0x8b, 8});
        assertError("gzip header", "corrupt gzip data", () -> Idx.readImages(shortGzipHeader, Idx.Scaling.RAW));
    }

    @Test
    void rejectsTrailingData() throws IOException {
        byte[] whole = Files.readAllBytes(LABELS);
        Path longer = write("longer", whole, new byte[] {1});
        assertError("byte 13", "data continues past the 5 bytes the header promises", () -> Idx.readLabels(longer));
        Path longerGz = write("longer.gz", gzip(whole, new byte[] {1}));
        assertError("byte 13 of the decompressed data", "data continues past", () -> Idx.readLabels(longerGz));
    }

    /** A header that promises far more than the file holds fails on the data read, not on allocation. */
    @Test
    void headerCountsDoNotDriveAllocation() throws IOException {
        Path lying = write("lying", header(0x0803, 2_000_000_000, 1, 1), new byte[12]);
        assertError("byte 28", "truncated: the data ends within the 2000000000 data bytes",
                () -> Idx.readImages(lying, Idx.Scaling.RAW));
        Path huge = write("huge", header(0x0803, 100_000_000, 28, 28), new byte[12]);
        assertError("byte 4", "promises 78400000000 bytes of data, more than one array can hold",
                () -> Idx.readImages(huge, Idx.Scaling.RAW));
        Path negative = write("negative", header(0x0801, -1));
        assertError("byte 4", "dimension 0 size 4294967295 is too large", () -> Idx.readLabels(negative));
        Path noPixels = write("no-pixels", header(0x0803, 3, 0, 28));
        assertError("byte 8", "images of 0 x 28 pixels are empty", () -> Idx.readImages(noPixels, Idx.Scaling.RAW));
    }

    @Test
    void checksThePairAndTheLabelRange() throws IOException {
        Path fourLabels = write("four-labels", header(0x0801, 4), new byte[] {1, 2, 3, 4});
        assertError("byte 4", "holds 5 images but " + fourLabels + " holds 4 labels",
                () -> Idx.load(IMAGES, fourLabels, 10));
        var e = assertError("byte 10", "label 9 of item 2 is outside [0, 5)", () -> Idx.load(IMAGES, LABELS, 5));
        assertEquals(LABELS.toString(), e.source());
        assertThrows(IllegalArgumentException.class, () -> Idx.load(IMAGES, LABELS, 0));
        assertThrows(IllegalArgumentException.class, () -> Idx.load(IMAGES, LABELS, 257));
    }

    private interface Load {
        void run() throws IOException;
    }

    private static DataFormatException assertError(String position, String detail, Load load) {
        IOException thrown = assertThrows(IOException.class, load::run);
        DataFormatException e = assertInstanceOf(DataFormatException.class, thrown, thrown.toString());
        assertTrue(e.position().contains(position), "position of " + e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        assertTrue(e.getMessage().startsWith(e.source() + ": "), e.getMessage());
        return e;
    }

    private static byte[] header(int magic, int... dimensions) {
        ByteBuffer header = ByteBuffer.allocate(4 + 4 * dimensions.length).putInt(magic);
        for (int d : dimensions) {
            header.putInt(d);
        }
        return header.array();
    }

    private static byte[] gzip(byte[]... parts) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(bytes)) {
            for (byte[] part : parts) {
                out.write(part);
            }
        }
        return bytes.toByteArray();
    }

    private Path write(String name, byte[]... parts) throws IOException {
        var bytes = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            bytes.write(part);
        }
        return Files.write(dir.resolve(name), bytes.toByteArray());
    }
}
