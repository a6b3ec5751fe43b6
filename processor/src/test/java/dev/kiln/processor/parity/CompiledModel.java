package dev.kiln.processor.parity;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.kiln.KilnModel;
import dev.kiln.Layer;
import dev.kiln.Options;
import dev.kiln.processor.KilnProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;

/**
 * A {@code @Model} class compiled in memory with {@link KilnProcessor}, and its generated
 * {@code Kiln<Name>} class loaded from the compilation's class files. The loader's parent is this
 * test's class loader, so {@code dev.kiln} types are shared with the test.
 */
final class CompiledModel {
    private static final String CLASS_OUTPUT = "CLASS_OUTPUT/";

    private final Class<? extends KilnModel> generatedClass;

    private CompiledModel(Class<? extends KilnModel> generatedClass) {
        this.generatedClass = generatedClass;
    }

    /**
     * Compiles {@code source}, which declares the top-level class {@code qualifiedName}, and loads
     * the class the processor generates for it.
     *
     * @throws AssertionError if the compilation fails, with javac's diagnostics
     */
    static CompiledModel compile(String qualifiedName, String source) {
        return compile(Map.of(qualifiedName, source)).get(qualifiedName);
    }

    /**
     * Compiles the sources, by qualified name of the top-level class each declares, in one javac run
     * and loads the classes generated for them.
     *
     * @throws AssertionError if the compilation fails, with javac's diagnostics
     */
    static Map<String, CompiledModel> compile(Map<String, String> sources) {
        Compilation compilation = javac()
                .withProcessors(new KilnProcessor())
                .compile(sources.entrySet().stream()
                        .map(e -> JavaFileObjects.forSourceString(e.getKey(), e.getValue()))
                        .toList());
        if (compilation.status() != Compilation.Status.SUCCESS) {
            throw new AssertionError("compiling " + String.join(", ", sources.keySet()) + " failed:"
                    + diagnostics(compilation) + (sources.size() == 1 ? "\n" + sources.values().iterator().next() : ""));
        }
        Map<String, byte[]> classFiles = new HashMap<>();
        for (JavaFileObject file : compilation.generatedFiles()) {
            if (file.getKind() == JavaFileObject.Kind.CLASS) {
                classFiles.put(binaryName(file), bytes(file));
            }
        }
        ClassLoader loader = new InMemoryClassLoader(classFiles, CompiledModel.class.getClassLoader());
        Map<String, CompiledModel> models = new LinkedHashMap<>();
        for (String qualifiedName : sources.keySet()) {
            int dot = qualifiedName.lastIndexOf('.');
            String generatedName = qualifiedName.substring(0, dot + 1) + "Kiln" + qualifiedName.substring(dot + 1);
            if (!classFiles.containsKey(generatedName)) {
                throw new AssertionError("the processor generated no " + generatedName + "; class files: "
                        + classFiles.keySet() + diagnostics(compilation));
            }
            try {
                models.put(qualifiedName, new CompiledModel(
                        Class.forName(generatedName, true, loader).asSubclass(KilnModel.class)));
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
        }
        return models;
    }

    /** A new instance of the generated class, through its {@code (Options)} constructor. */
    KilnModel newInstance(Options options) {
        try {
            return generatedClass.getConstructor(Options.class).newInstance(options);
        } catch (InvocationTargetException e) {
            throw new AssertionError("constructing " + generatedClass.getName() + " failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(generatedClass.getName() + " has no public (Options) constructor", e);
        }
    }

    /**
     * The model's {@link Layer} fields (declared by the user's class, assigned by the generated one)
     * by field name, in declaration order.
     */
    static Map<String, Layer> layers(KilnModel model) {
        Map<String, Layer> layers = new LinkedHashMap<>();
        for (Class<?> c = model.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (field.getType() == Layer.class) {
                    field.setAccessible(true);
                    try {
                        layers.put(field.getName(), (Layer) field.get(model));
                    } catch (IllegalAccessException e) {
                        throw new AssertionError(e);
                    }
                }
            }
        }
        return layers;
    }

    private static String binaryName(JavaFileObject file) {
        String path = file.toUri().getPath();
        int start = path.indexOf(CLASS_OUTPUT);
        if (start < 0 || !path.endsWith(".class")) {
            throw new AssertionError("unexpected class file location " + file.toUri());
        }
        return path.substring(start + CLASS_OUTPUT.length(), path.length() - ".class".length()).replace('/', '.');
    }

    private static byte[] bytes(JavaFileObject file) {
        try (InputStream in = file.openInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Errors and warnings about the sources (not javac's notes about its own options). */
    private static String diagnostics(Compilation compilation) {
        return compilation.diagnostics().stream()
                .filter(d -> d.getKind() != Diagnostic.Kind.NOTE && d.getSource() != null)
                .map(d -> "\n" + d.getKind() + " " + d.getSource().getName() + ":" + d.getLineNumber() + ": "
                        + d.getMessage(null))
                .collect(Collectors.joining());
    }

    /** Defines the compilation's classes; everything else comes from the parent. */
    private static final class InMemoryClassLoader extends ClassLoader {
        private final Map<String, byte[]> classFiles;

        InMemoryClassLoader(Map<String, byte[]> classFiles, ClassLoader parent) {
            super(parent);
            this.classFiles = classFiles;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classFiles.get(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
