package dev.kiln.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named F32 tensor to write: a shape and a view of {@code elementCount()} consecutive floats of
 * a larger array, starting at {@code offset}, in row-major order. The floats are not copied; they
 * are read when the tensor is written.
 *
 * <pre>{@code
 * FloatTensor.of("fc1.weight", params, weightOffset, 3, 4)   // PyTorch's [out, in]
 * }</pre>
 */
public final class FloatTensor {
    private final String name;
    private final long[] shape;
    private final float[] data;
    private final int offset;
    private final int elementCount;

    /**
     * @param name the state_dict name, e.g. {@code "fc1.weight"}
     * @param shape the dimensions, outermost first; {@code {}} is a scalar
     * @param data the array holding the values
     * @param offset index of the first value in {@code data}
     * @throws IllegalArgumentException if the name is {@code "__metadata__"} or not valid Unicode
     *     (an unpaired surrogate), a dimension is negative, or the view does not fit in {@code data}
     */
    public FloatTensor(String name, long[] shape, float[] data, int offset) {
        this.name = Objects.requireNonNull(name, "name");
        this.shape = shape.clone();
        this.data = Objects.requireNonNull(data, "data");
        this.offset = offset;
        if (name.equals(Header.METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name " + name + " is reserved for metadata");
        }
        Header.checkEncodable("tensor name", name);
        long count = 1;
        for (long dim : this.shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(
                        "tensor " + name + ": negative dimension in shape " + Arrays.toString(shape));
            }
            count = dim == 0 || count == 0 ? 0 : multiplyOrMax(count, dim);
        }
        if (offset < 0 || count > data.length - offset) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape)
                    + " needs " + count + " floats from offset " + offset + ", but the array has "
                    + data.length);
        }
        this.elementCount = (int) count;
    }

    /** A tensor with an {@code int} shape, for the common case; see the constructor. */
    public static FloatTensor of(String name, float[] data, int offset, int... shape) {
        return new FloatTensor(name, Arrays.stream(shape).asLongStream().toArray(), data, offset);
    }

    private static long multiplyOrMax(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long product = a * b;
        return high != 0 || product < 0 ? Long.MAX_VALUE : product;
    }

    /** The state_dict name, e.g. {@code "fc1.weight"}. */
    public String name() {
        return name;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** The product of the dimensions (1 for a scalar). */
    public int elementCount() {
        return elementCount;
    }

    long[] shapeView() {
        return shape;
    }

    float[] data() {
        return data;
    }

    int offset() {
        return offset;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
