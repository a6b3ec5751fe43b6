package dev.kiln.io;

/**
 * The element types a safetensors header may name, spelled as in the header ({@link #name()}).
 *
 * <p>Declared in the reference implementation's order, which is increasing alignment: its writer
 * stores tensors of later constants first. Kiln reads every type (their sizes are validated) and
 * converts the floating-point ones with {@link SafetensorsFile#copyAsFloats}; it writes only
 * {@link #F32}.
 */
public enum Dtype {
    /** Boolean, one byte. */
    BOOL(8),
    /** OCP MX FP4 (E2M1), two per byte. */
    F4(4),
    /** OCP MX FP6 (E2M3), packed. */
    F6_E2M3(6),
    /** OCP MX FP6 (E3M2), packed. */
    F6_E3M2(6),
    /** Unsigned byte. */
    U8(8),
    /** Signed byte. */
    I8(8),
    /** FP8 with 5 exponent and 2 mantissa bits. */
    F8_E5M2(8),
    /** FP8 with 4 exponent and 3 mantissa bits. */
    F8_E4M3(8),
    /** OCP MX FP8 scale: 8 exponent bits, no mantissa. */
    F8_E8M0(8),
    /** FP8 E4M3, finite with no negative zero (FNUZ). */
    F8_E4M3FNUZ(8),
    /** FP8 E5M2, finite with no negative zero (FNUZ). */
    F8_E5M2FNUZ(8),
    /** Signed 16-bit integer. */
    I16(16),
    /** Unsigned 16-bit integer. */
    U16(16),
    /** IEEE 754 half precision. */
    F16(16),
    /** bfloat16: the upper half of an F32. */
    BF16(16),
    /** Signed 32-bit integer. */
    I32(32),
    /** Unsigned 32-bit integer. */
    U32(32),
    /** IEEE 754 single precision. */
    F32(32),
    /** Complex number of two F32 parts. */
    C64(64),
    /** IEEE 754 double precision. */
    F64(64),
    /** Signed 64-bit integer. */
    I64(64),
    /** Unsigned 64-bit integer. */
    U64(64);

    private final int bits;

    Dtype(int bits) {
        this.bits = bits;
    }

    /** Bits per element; below 8 for the packed MX types. */
    public int bits() {
        return bits;
    }

    /** The constant named {@code header} exactly (case-sensitive), or {@code null}. */
    static Dtype fromHeader(String header) {
        for (Dtype dtype : values()) {
            if (dtype.name().equals(header)) {
                return dtype;
            }
        }
        return null;
    }
}
