package dev.kiln.support;

import java.util.Arrays;
import java.util.List;

/**
 * Where each named tensor of a generated model lives in its flat parameter array: the PyTorch
 * state_dict name, the offset and the shape. Generated classes hold one as a constant.
 */
public final class ParameterTable {
    private final List<Entry> entries;
    private final int size;

    private ParameterTable(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        int end = 0;
        for (Entry e : this.entries) {
            if (e.offset() != end) {
                throw new IllegalArgumentException("tensor " + e.name() + " starts at " + e.offset()
                        + ", expected " + end + ": tensors must be packed in order");
            }
            end += e.size();
        }
        this.size = end;
    }

    /** A table of tensors packed back to back in the given order. */
    public static ParameterTable of(Entry... entries) {
        return new ParameterTable(Arrays.asList(entries));
    }

    /** One tensor: name, offset in the flat array, shape (row-major). */
    public static Entry tensor(String name, int offset, int... shape) {
        return new Entry(name, offset, shape.clone());
    }

    public List<Entry> entries() {
        return entries;
    }

    /**
     * The tensors as rows, three values each in table order: offset, row count and row length. A
     * weight {@code [out, in]} is {@code out} rows of {@code in}; a bias {@code [out]} is {@code out}
     * rows of one value; a scalar is one row of one.
     */
    public int[] rows() {
        int[] layout = new int[3 * entries.size()];
        for (int t = 0; t < entries.size(); t++) {
            Entry e = entries.get(t);
            int rows = e.shape().length == 0 ? 1 : e.shape()[0];
            layout[3 * t] = e.offset();
            layout[3 * t + 1] = rows;
            layout[3 * t + 2] = rows == 0 ? 0 : e.size() / rows;
        }
        return layout;
    }

    /** The total number of values, the length of the flat array. */
    public int size() {
        return size;
    }

    /** A named tensor in the flat array. */
    public record Entry(String name, int offset, int[] shape) {
        public int size() {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        public long[] longShape() {
            return Arrays.stream(shape).asLongStream().toArray();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && e.name.equals(name) && e.offset == offset && Arrays.equals(e.shape, shape);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape) + "@" + offset;
        }
    }
}
