package dev.kiln.kernel;

import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * Chooses the kernels once per JVM, as Lucene and JVector do: when the {@code jdk.incubator.vector}
 * module is in the boot layer, the Vector API implementation is loaded reflectively (so nothing else
 * links against the incubator module); otherwise the scalar kernels run and one hint says how to
 * enable SIMD. The loaded kernels may add one hint of their own ({@link Kernels#speedHint}). The
 * system property {@code kiln.kernels=scalar} forces the scalar kernels.
 */
final class KernelProvider {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_IMPLEMENTATION = "dev.kiln.kernel.simd.VectorKernels";

    private KernelProvider() {}

    static Kernels kernels() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final Kernels INSTANCE = choose();
    }

    private static Kernels choose() {
        System.Logger log = System.getLogger("dev.kiln");
        if ("scalar".equals(System.getProperty("kiln.kernels"))) {
            return new ScalarKernels();
        }
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            log.log(Level.WARNING, "Kiln runs its scalar kernels: the Vector API module is not enabled. "
                    + "For SIMD kernels, start the JVM with --add-modules " + VECTOR_MODULE);
            return new ScalarKernels();
        }
        try {
            Class<?> type = Class.forName(VECTOR_IMPLEMENTATION);
            Kernels kernels = (Kernels) type.getDeclaredConstructor().newInstance();
            Optional<String> hint = kernels.speedHint();
            if (hint.isPresent()) {
                log.log(Level.INFO, hint.get());
            }
            return kernels;
        } catch (ClassNotFoundException e) {
            return new ScalarKernels(); // this build has no Vector API kernels
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            log.log(Level.WARNING, "Kiln runs its scalar kernels: the Vector API kernels failed to load: "
                    + e);
            return new ScalarKernels();
        }
    }
}
