package dev.kiln.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files of the MNIST family (MNIST, Fashion-MNIST, KMNIST): image files (magic
 * {@code 0x00000803}: a count, rows and columns, then unsigned-byte pixels) and label files (magic
 * {@code 0x00000801}: a count, then unsigned-byte labels), all integers big-endian.
 *
 * <p>A file may be raw or gzip-compressed: the first two bytes tell which, not the file name. Every
 * header field is checked against what the file really holds: the magic number, the number of
 * dimensions, that exactly the promised bytes follow the header (a truncated or over-long file is an
 * error), and, when images and labels are loaded as a pair, that the counts match and every label is
 * below the number of classes. Nothing is allocated from an unchecked header count: payloads are read
 * incrementally and sized by what the stream delivers. Problems throw {@link DataFormatException}
 * naming the file and the byte offset (in the decompressed data for gzip files).
 */
public final class Idx {
    /** Magic number of an image file: unsigned bytes, 3 dimensions. */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of a label file: unsigned bytes, 1 dimension. */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int UNSIGNED_BYTE_TYPE = 0x08;
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
    private static final int BUFFER_BYTES = 1 << 16;

    /** How pixel bytes become float features. */
    public enum Scaling {
        /**
         * {@code pixel / 255f}, in {@code [0, 1]}: the float division torchvision's {@code ToTensor}
         * performs, so the features equal PyTorch's bit for bit.
         */
        UNIT_INTERVAL,
        /** The byte value itself, {@code 0f .. 255f}. */
        RAW
    }

    /** The two halves of the standard MNIST-family distribution. */
    public enum Part {
        /** {@code train-images-idx3-ubyte} and {@code train-labels-idx1-ubyte} (60000 items in MNIST). */
        TRAIN("train"),
        /** {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte} (10000 items in MNIST). */
        TEST("t10k");

        private final String prefix;

        Part(String prefix) {
            this.prefix = prefix;
        }
    }

    /**
     * The contents of an image file: {@code count} images of {@code rows x columns} pixels, row-major
     * {@code [count][rows][columns]} in {@code pixels} (not copied).
     */
    public record Images(int count, int rows, int columns, float[] pixels) {
        /** Pixels per image, {@code rows * columns}. */
        public int pixelsPerImage() {
            return rows * columns;
        }
    }

    private Idx() {}

    /**
     * Loads one part of an MNIST-family distribution from {@code directory}, which holds the four
     * standard files, each raw or gzipped (e.g. {@code train-images-idx3-ubyte.gz}), as Debian's
     * {@code dataset-fashion-mnist} installs them in {@code /usr/share/datasets/fashion-mnist}. Pixels
     * are scaled to {@code [0, 1]}; there are 10 classes.
     */
    public static Dataset loadMnist(Path directory, Part part) throws IOException {
        return load(
                standardFile(directory, part.prefix + "-images-idx3-ubyte"),
                standardFile(directory, part.prefix + "-labels-idx1-ubyte"),
                10);
    }

    private static Path standardFile(Path directory, String name) throws IOException {
        Path gzipped = directory.resolve(name + ".gz");
        if (Files.exists(gzipped)) {
            return gzipped;
        }
        Path raw = directory.resolve(name);
        if (Files.exists(raw)) {
            return raw;
        }
        throw new NoSuchFileException(gzipped.toString(), null, "neither it nor " + raw + " exists");
    }

    /** Loads an image file and its label file as a dataset with pixels scaled to {@code [0, 1]}. */
    public static Dataset load(Path images, Path labels, int classes) throws IOException {
        return load(images, labels, classes, Scaling.UNIT_INTERVAL);
    }

    /**
     * Loads an image file and its label file as a dataset of {@code rows * columns} features per image.
     *
     * @throws DataFormatException if either file is malformed, their counts differ or a label is not
     *     below {@code classes}
     * @throws IllegalArgumentException unless {@code 1 <= classes <= 256}
     */
    public static Dataset load(Path images, Path labels, int classes, Scaling scaling) throws IOException {
        if (classes < 1 || classes > 256) {
            throw new IllegalArgumentException("classes must be in [1, 256] for byte labels, got " + classes);
        }
        // Labels first: they are small, so a mismatched pair fails before the large image read.
        int[] labelValues = readLabels(labels);
        for (int i = 0; i < labelValues.length; i++) {
            if (labelValues[i] >= classes) {
                throw new DataFormatException(labels.toString(), "byte " + (8 + i),
                        "label " + labelValues[i] + " of item " + i + " is outside [0, " + classes + ")");
            }
        }
        Images imageData = readImages(images, scaling);
        if (imageData.count() != labelValues.length) {
            throw new DataFormatException(images.toString(), "byte 4", "holds " + imageData.count()
                    + " images but " + labels + " holds " + labelValues.length + " labels");
        }
        return Dataset.wrap(imageData.pixels(), labelValues, imageData.pixelsPerImage(), classes, List.of());
    }

    /** Reads an image file (magic {@code 0x00000803}), raw or gzipped. */
    public static Images readImages(Path file, Scaling scaling) throws IOException {
        try (IdxStream in = IdxStream.open(file, IMAGES_MAGIC)) {
            int count = in.dimension(0);
            int rows = in.dimension(1);
            int columns = in.dimension(2);
            if (rows == 0 || columns == 0) {
                throw in.error(8, "images of " + rows + " x " + columns + " pixels are empty");
            }
            byte[] bytes = in.payload((long) count * rows * columns);
            float[] pixels = new float[bytes.length];
            float[] value = scaling == Scaling.UNIT_INTERVAL ? UNIT_VALUES : RAW_VALUES;
            for (int i = 0; i < bytes.length; i++) {
                pixels[i] = value[bytes[i] & 0xFF];
            }
            return new Images(count, rows, columns, pixels);
        }
    }

    /** Reads a label file (magic {@code 0x00000801}), raw or gzipped: values in {@code [0, 255]}. */
    public static int[] readLabels(Path file) throws IOException {
        try (IdxStream in = IdxStream.open(file, LABELS_MAGIC)) {
            byte[] bytes = in.payload(in.dimension(0));
            int[] labels = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                labels[i] = bytes[i] & 0xFF;
            }
            return labels;
        }
    }

    private static final float[] UNIT_VALUES = new float[256];
    private static final float[] RAW_VALUES = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            UNIT_VALUES[v] = v / 255f;
            RAW_VALUES[v] = v;
        }
    }

    /** An IDX file opened past its validated header. */
    private static final class IdxStream implements AutoCloseable {
        private final String source;
        private final boolean gzipped;
        private final InputStream in;
        private int[] dimensions;

        private IdxStream(String source, boolean gzipped, InputStream in) {
            this.source = source;
            this.gzipped = gzipped;
            this.in = in;
        }

        static IdxStream open(Path file, int expectedMagic) throws IOException {
            String source = file.toString();
            InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER_BYTES);
            try {
                raw.mark(2);
                boolean gzipped = raw.read() == 0x1f && raw.read() == 0x8b;
                raw.reset();
                InputStream in = raw;
                if (gzipped) {
                    try {
                        in = new GZIPInputStream(raw, BUFFER_BYTES);
                    } catch (ZipException | EOFException e) {
                        throw new DataFormatException(source, "gzip header", "corrupt gzip data: " + e.getMessage(), e);
                    }
                }
                IdxStream stream = new IdxStream(source, gzipped, in);
                stream.readHeader(expectedMagic);
                return stream;
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        private void readHeader(int expectedMagic) throws IOException {
            byte[] magic = readFully(4, 0, "the 4-byte magic number");
            if (magic[0] != 0 || magic[1] != 0) {
                throw error(0, String.format(
                        "not an IDX file: it starts with 0x%02X%02X, not two zero bytes", magic[0], magic[1]));
            }
            int type = magic[2] & 0xFF;
            if (type != UNSIGNED_BYTE_TYPE) {
                throw error(2, String.format(
                        "IDX element type 0x%02X is not supported: MNIST-family files hold unsigned bytes (0x08)",
                        type));
            }
            int dimensionCount = magic[3] & 0xFF;
            int expectedDimensions = expectedMagic & 0xFF;
            if (dimensionCount != expectedDimensions) {
                String expected = expectedMagic == IMAGES_MAGIC ? "an image file" : "a label file";
                throw error(3, String.format("magic 0x%08X has %d dimensions, but %s has %d (magic 0x%08X)",
                        0x800 | dimensionCount, dimensionCount, expected, expectedDimensions, expectedMagic));
            }
            byte[] sizes = readFully(4 * dimensionCount, 4, dimensionCount + " dimension sizes");
            dimensions = new int[dimensionCount];
            for (int d = 0; d < dimensionCount; d++) {
                int size = (sizes[4 * d] & 0xFF) << 24 | (sizes[4 * d + 1] & 0xFF) << 16
                        | (sizes[4 * d + 2] & 0xFF) << 8 | (sizes[4 * d + 3] & 0xFF);
                if (size < 0) {
                    throw error(4 + 4L * d, "dimension " + d + " size " + Integer.toUnsignedString(size)
                            + " is too large");
                }
                dimensions[d] = size;
            }
        }

        int dimension(int d) {
            return dimensions[d];
        }

        private long headerBytes() {
            return 4 + 4L * dimensions.length;
        }

        /** Reads exactly {@code expected} payload bytes and checks that nothing follows them. */
        byte[] payload(long expected) throws IOException {
            if (expected > MAX_ARRAY_LENGTH) {
                throw error(4, "the header promises " + expected + " bytes of data, more than one array can hold");
            }
            byte[] data = readFully((int) expected, headerBytes(), "the " + expected + " data bytes the header promises");
            long end = headerBytes() + expected;
            int next;
            try {
                next = in.read();
            } catch (ZipException | EOFException e) {
                throw error(end, "corrupt or truncated gzip data: " + e.getMessage(), e);
            }
            if (next != -1) {
                throw error(end, "data continues past the " + expected + " bytes the header promises");
            }
            return data;
        }

        /**
         * Reads {@code length} bytes found at {@code offset}. {@code InputStream.readNBytes} grows its
         * buffers as data arrives, so a header that lies about the size cannot force a huge allocation.
         */
        private byte[] readFully(int length, long offset, String what) throws IOException {
            byte[] bytes;
            try {
                bytes = in.readNBytes(length);
            } catch (ZipException | EOFException e) {
                throw error(offset, "corrupt or truncated gzip data: " + e.getMessage(), e);
            }
            if (bytes.length != length) {
                throw error(offset + bytes.length, "truncated: the data ends within " + what);
            }
            return bytes;
        }

        DataFormatException error(long offset, String detail) {
            return error(offset, detail, null);
        }

        private DataFormatException error(long offset, String detail, Throwable cause) {
            String position = gzipped ? "byte " + offset + " of the decompressed data" : "byte " + offset;
            return new DataFormatException(source, position, detail, cause);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
