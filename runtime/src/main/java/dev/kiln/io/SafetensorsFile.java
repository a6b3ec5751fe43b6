package dev.kiln.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The validated contents of a safetensors file, as returned by {@link Safetensors#read}: metadata,
 * and named tensors in file order with their dtype, shape and data. Immutable and thread-safe; it
 * holds no open file.
 *
 * <p>Methods that take a tensor name throw {@link SafetensorsException} naming the file when there
 * is no such tensor, or when it has a dtype the method cannot read, so a model can pass them on as
 * its own load error.
 */
public final class SafetensorsFile {
    private record Tensor(Header.Entry entry, byte[] data) {}

    private final Path file;
    private final Map<String, String> metadata;
    private final Map<String, Tensor> tensors;
    private final List<String> names;

    SafetensorsFile(Path file, Map<String, String> metadata, List<Header.Entry> entries,
            List<byte[]> data) {
        this.file = file;
        this.metadata = metadata;
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            byName.put(entries.get(i).name(), new Tensor(entries.get(i), data.get(i)));
        }
        this.tensors = byName;
        this.names = List.copyOf(byName.keySet());
    }

    /** The file this was read from. */
    public Path file() {
        return file;
    }

    /** The {@code __metadata__} strings in file order; empty if the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in file order, which is the order of their data; unmodifiable. */
    public List<String> names() {
        return names;
    }

    /** Whether the file has a tensor of this name. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor's element type. */
    public Dtype dtype(String name) throws SafetensorsException {
        return tensor(name).entry().dtype();
    }

    /** A copy of the tensor's shape, outermost dimension first ({@code []} for a scalar). */
    public long[] shape(String name) throws SafetensorsException {
        return tensor(name).entry().shape().clone();
    }

    /** The tensor's data, little-endian, as a read-only buffer positioned at 0. */
    public ByteBuffer data(String name) throws SafetensorsException {
        return ByteBuffer.wrap(tensor(name).data()).asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Copies an F32 tensor's values, row-major, to {@code dst[dstOffset ..]}.
     *
     * @return the number of floats copied
     * @throws SafetensorsException if there is no such tensor or its dtype is not F32
     * @throws IndexOutOfBoundsException if they do not fit in {@code dst} from {@code dstOffset}
     */
    public int copyFloats(String name, float[] dst, int dstOffset) throws SafetensorsException {
        Tensor tensor = tensor(name);
        if (tensor.entry().dtype() != Dtype.F32) {
            throw new SafetensorsException(file, "tensor " + name + " has dtype "
                    + tensor.entry().dtype() + ", expected F32");
        }
        int count = tensor.data().length / Float.BYTES;
        Objects.checkFromIndexSize(dstOffset, count, dst.length);
        ByteBuffer.wrap(tensor.data()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                .get(dst, dstOffset, count);
        return count;
    }

    /**
     * An F32 tensor's values in a new array.
     *
     * @throws SafetensorsException if there is no such tensor or its dtype is not F32
     */
    public float[] floats(String name) throws SafetensorsException {
        Tensor tensor = tensor(name);
        float[] values = new float[tensor.data().length / Float.BYTES];
        copyFloats(name, values, 0);
        return values;
    }

    /**
     * Copies a floating-point tensor's values to {@code dst[dstOffset ..]}, converting F64, F16 and
     * BF16 to float as PyTorch's {@code tensor.float()} does (F64 rounds to nearest even; F16 and
     * BF16 convert exactly). F32 is copied as by {@link #copyFloats}.
     *
     * @return the number of floats copied
     * @throws SafetensorsException if there is no such tensor or its dtype is not one of these four
     * @throws IndexOutOfBoundsException if they do not fit in {@code dst} from {@code dstOffset}
     */
    public int copyAsFloats(String name, float[] dst, int dstOffset) throws SafetensorsException {
        Tensor tensor = tensor(name);
        Dtype dtype = tensor.entry().dtype();
        if (dtype == Dtype.F32) {
            return copyFloats(name, dst, dstOffset);
        }
        if (dtype != Dtype.F64 && dtype != Dtype.F16 && dtype != Dtype.BF16) {
            throw new SafetensorsException(file, "tensor " + name + " has dtype " + dtype
                    + ", which does not convert to float (F32, F64, F16 and BF16 do)");
        }
        int count = (int) (tensor.data().length * 8L / dtype.bits());
        Objects.checkFromIndexSize(dstOffset, count, dst.length);
        ByteBuffer in = ByteBuffer.wrap(tensor.data()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = switch (dtype) {
                case F64 -> (float) in.getDouble(i * 8);
                case F16 -> halfToFloat(in.getShort(i * 2));
                default -> Float.intBitsToFloat(in.getShort(i * 2) << 16); // BF16
            };
        }
        return count;
    }

    /** IEEE half to float, exact; NaN payloads are kept, as in PyTorch. */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
        }
        if (exponent == 0) { // zero or subnormal: mantissa * 2^-24, exact in float
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | (exponent + 127 - 15) << 23 | mantissa << 13);
    }

    private Tensor tensor(String name) throws SafetensorsException {
        Tensor tensor = tensors.get(Objects.requireNonNull(name, "name"));
        if (tensor == null) {
            throw new SafetensorsException(file, "no tensor named " + name);
        }
        return tensor;
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + file + ", " + tensors.size() + " tensors]";
    }
}
