package dev.kiln.kernel.simd;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Float buffers whose element {@link #OFFSET} starts a 64-byte cache line, so a 512-bit load at any
 * multiple of 16 floats past it touches one line, not two. A micro-kernel streaming a packed panel
 * with lines split in two runs measurably slower (about 15% on sgemm 1024³ with AVX-512).
 *
 * <p>Java cannot ask for an aligned array, but G1 (the default collector) places every humongous
 * object, one of at least half a heap region, at the start of a region, and never moves it; so a
 * buffer is made at least that large, and its data then begins one array header (16 bytes with
 * compressed class pointers) past a region boundary. Under other collectors or object layouts the
 * offset is merely a guess; alignment only ever changes speed, never a result.
 */
final class LineAligned {
    /** Floats in a cache line. */
    static final int LINE = 16;
    /** The element that starts a line in a buffer from {@link #allocate}: past a 16-byte array header. */
    static final int OFFSET = (64 - 16) / Float.BYTES;

    private static final int HUMONGOUS_FLOATS = humongousFloats();

    private LineAligned() {}

    /** A buffer holding {@code floats} elements from {@link #OFFSET} on. */
    static float[] allocate(int floats) {
        return new float[Math.max(OFFSET + floats, HUMONGOUS_FLOATS)];
    }

    /** The smallest float array G1 allocates as a humongous object, or 0 when G1 is not in use. */
    private static int humongousFloats() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (vm == null || !Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue())) {
                return 0;
            }
            long regionBytes = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
            return (int) Math.min(Integer.MAX_VALUE - 16, regionBytes / 2 / Float.BYTES + LINE);
        } catch (RuntimeException | LinkageError e) {
            return 0; // not HotSpot, or no management module: buffers keep their natural size
        }
    }
}
