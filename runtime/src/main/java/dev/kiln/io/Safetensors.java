package dev.kiln.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes safetensors files: an 8-byte little-endian header length N, N bytes of UTF-8
 * JSON describing each tensor's dtype, shape and byte range, then the tensors' little-endian,
 * row-major data.
 *
 * <pre>{@code
 * Safetensors.write(path, List.of(FloatTensor.of("fc.weight", w, 0, 3, 4),
 *                                 FloatTensor.of("fc.bias", b, 0, 3)), Map.of());
 * SafetensorsFile file = Safetensors.read(path);
 * file.copyFloats("fc.weight", w, 0);
 * }</pre>
 */
public final class Safetensors {
    /** The reference implementation's limit on the header length N, in bytes. */
    public static final long MAX_HEADER_LENGTH = 100_000_000L;

    /** Bytes moved per I/O call: bounds the JDK's temporary direct buffers and our own. */
    private static final int CHUNK = 1 << 20;

    /** The largest tensor this reader holds; Java arrays are indexed by int. */
    private static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

    /** Opens the temporary file that {@link #write} fills; replaceable in tests to inject failures. */
    interface ChannelOpener {
        FileChannel open(Path temp) throws IOException;
    }

    private Safetensors() {}

    /**
     * Reads and validates a whole safetensors file. Everything the reference reader checks is
     * checked, before any tensor data is allocated: the header length (at most
     * {@value #MAX_HEADER_LENGTH} bytes, within the file), UTF-8, strict JSON, known dtypes,
     * integer shapes and offsets, offsets that start at 0 and follow one another without gaps, each
     * tensor's byte length against its shape and dtype, and data that ends exactly at the end of the
     * file. Names must also be unique.
     *
     * @throws SafetensorsException if the file is malformed; the message names the file and the
     *     problem
     * @throws IOException if it cannot be read
     */
    public static SafetensorsFile read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < Long.BYTES) {
                throw new SafetensorsException(file, "file is " + size
                        + " bytes, too short for the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(file, channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (Long.compareUnsigned(headerLength, MAX_HEADER_LENGTH) > 0) {
                throw new SafetensorsException(file, "header length "
                        + Long.toUnsignedString(headerLength) + " exceeds the limit of "
                        + MAX_HEADER_LENGTH + " bytes");
            }
            long dataStart = Long.BYTES + headerLength;
            if (dataStart > size) {
                throw new SafetensorsException(file, "header length " + headerLength
                        + " runs past the end of the file (" + size + " bytes)");
            }
            byte[] headerBytes = new byte[(int) headerLength];
            readFully(file, channel, ByteBuffer.wrap(headerBytes), Long.BYTES);
            Header header = Header.decode(file, headerBytes);

            long available = size - dataStart;
            if (header.dataLength < available) {
                throw new SafetensorsException(file, "trailing bytes: the tensors end at byte "
                        + (dataStart + header.dataLength) + " but the file has " + size);
            }
            if (header.dataLength > available) {
                throw new SafetensorsException(file, "file is truncated: the tensors need "
                        + header.dataLength + " bytes after the header, but " + available
                        + " remain");
            }
            // Every entry now lies inside the file, so its length can be trusted.
            List<byte[]> data = new ArrayList<>(header.entries.size());
            for (Header.Entry entry : header.entries) {
                if (entry.byteLength() > MAX_TENSOR_BYTES) {
                    throw new SafetensorsException(file, "tensor " + entry.name() + " is "
                            + entry.byteLength() + " bytes, more than this reader supports ("
                            + MAX_TENSOR_BYTES + ")");
                }
                byte[] bytes = new byte[(int) entry.byteLength()];
                readFully(file, channel, ByteBuffer.wrap(bytes), dataStart + entry.begin());
                data.add(bytes);
            }
            return new SafetensorsFile(file, header.metadata, header.entries, data);
        }
    }

    /**
     * Fills {@code buffer} from {@code position} in chunks, so the JDK never needs a temporary
     * direct buffer as large as a tensor.
     */
    private static void readFully(Path file, FileChannel channel, ByteBuffer buffer, long position)
            throws IOException {
        int end = buffer.limit();
        while (buffer.position() < end) {
            buffer.limit(Math.min(end, buffer.position() + CHUNK));
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, position);
                if (read < 0) {
                    throw new SafetensorsException(file, "file ended at byte " + position
                            + " while reading it (was it changed meanwhile?)");
                }
                position += read;
            }
        }
    }

    /**
     * Writes F32 tensors as a safetensors file with the reference writer's byte layout: the header
     * lists {@code __metadata__} first (omitted when {@code metadata} is empty), then the tensors
     * sorted by name, packed from offset 0; it is padded with spaces to a multiple of 8 bytes.
     *
     * <p>The file is replaced atomically: the data goes to a temporary file in the same directory,
     * which is forced to the device and then renamed over {@code file}. If anything fails, the
     * temporary file is deleted and an existing {@code file} is left as it was.
     *
     * @param metadata written in its iteration order (use a sorted or linked map for a stable file);
     *     may be empty
     * @throws IllegalArgumentException if two tensors have the same name, or a metadata string is
     *     not valid Unicode
     * @throws SafetensorsException if the header would exceed {@link #MAX_HEADER_LENGTH}
     * @throws IOException if writing fails
     */
    public static void write(Path file, List<FloatTensor> tensors, Map<String, String> metadata)
            throws IOException {
        write(file, tensors, metadata, temp -> FileChannel.open(temp,
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    static void write(Path file, List<FloatTensor> tensors, Map<String, String> metadata,
            ChannelOpener opener) throws IOException {
        Objects.requireNonNull(metadata, "metadata");
        List<FloatTensor> ordered = new ArrayList<>(tensors);
        ordered.sort(Header::writerOrder);
        Set<String> names = new HashSet<>();
        for (FloatTensor tensor : ordered) {
            if (!names.add(tensor.name())) {
                throw new IllegalArgumentException("duplicate tensor name " + tensor.name());
            }
        }
        Map<String, String> checkedMetadata = new LinkedHashMap<>();
        metadata.forEach((key, value) -> {
            Header.checkEncodable("metadata key", key);
            Header.checkEncodable("metadata value", value);
            checkedMetadata.put(key, value);
        });
        byte[] header = Header.encode(ordered, checkedMetadata);
        if (header.length > MAX_HEADER_LENGTH) {
            throw new SafetensorsException(file, "header would be " + header.length
                    + " bytes, over the limit of " + MAX_HEADER_LENGTH);
        }

        Path target = file.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            try (FileChannel channel = opener.open(temp)) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                buffer.putLong(header.length);
                int written = 0;
                while (written < header.length) {
                    if (!buffer.hasRemaining()) {
                        writeFully(channel, buffer.flip());
                        buffer.clear();
                    }
                    int count = Math.min(buffer.remaining(), header.length - written);
                    buffer.put(header, written, count);
                    written += count;
                }
                for (FloatTensor tensor : ordered) {
                    int done = 0;
                    while (done < tensor.elementCount()) {
                        if (buffer.remaining() < Float.BYTES) {
                            writeFully(channel, buffer.flip());
                            buffer.clear();
                        }
                        int count = Math.min(buffer.remaining() / Float.BYTES,
                                tensor.elementCount() - done);
                        buffer.asFloatBuffer().put(tensor.data(), tensor.offset() + done, count);
                        buffer.position(buffer.position() + count * Float.BYTES);
                        done += count;
                    }
                }
                writeFully(channel, buffer.flip());
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException deleteFailure) {
                e.addSuppressed(deleteFailure);
            }
            throw e;
        }
        syncDirectory(target.getParent());
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * Makes the rename durable. Best effort: some platforms cannot open a directory, and the file
     * itself is already complete and in place.
     */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Not supported here (e.g. Windows); the rename still happened.
        }
    }
}
