package dev.switchboard.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * What the managed java runtime provides beside the function's code ({@code /var/runtime/lib} on
 * Lambda): AWS's runtime interface client (RIC) 2.10.1 and the libraries it loads, as Maven brings
 * them (packed under {@code lambda-runtime/} by the local module's build), unpacked into a
 * directory of the local cloud's own, plus the RIC's native Runtime API client for this platform.
 *
 * <p>The RIC would unpack its native library to the fixed path {@code /tmp/.libaws-lambda-jni.so}
 * in every process (its {@code JniHelper}); instances starting at once would overwrite each other's
 * copy while loading it. The local cloud unpacks it once and passes its path through the RIC's own
 * {@code ...NativeClient.JNI} system property instead.
 */
final class RuntimeLibraries implements AutoCloseable {

    /** The jars under {@code lambda-runtime/} (names without versions: the build strips them). */
    static final List<String> JARS = List.of(
            "aws-lambda-java-runtime-interface-client.jar",
            "aws-lambda-java-core.jar",
            "aws-lambda-java-serialization.jar",
            "utils-lite.jar");
    /** The RIC's entry point, as the managed runtime's bootstrap starts it. */
    static final String MAIN_CLASS = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    /** The RIC's system property naming an already unpacked native library. */
    static final String NATIVE_CLIENT_PROPERTY =
            "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";

    private final Path directory;
    private final List<Path> classPath;
    private final Optional<Path> nativeLibrary;
    private final String nativeProblem;

    private RuntimeLibraries(Path directory, List<Path> classPath, Optional<Path> nativeLibrary, String nativeProblem) {
        this.directory = directory;
        this.classPath = classPath;
        this.nativeLibrary = nativeLibrary;
        this.nativeProblem = nativeProblem;
    }

    /**
     * Unpacks the runtime's jars and this platform's native library into a new temporary directory.
     *
     * @throws IOException when the jars are not on the class path (the local module was built without
     *     its {@code process-resources} step) or cannot be written
     */
    static RuntimeLibraries unpack() throws IOException {
        Path directory = Files.createTempDirectory("switchboard-lambda-runtime");
        List<Path> classPath = new ArrayList<>();
        for (String jar : JARS) {
            try (InputStream in = RuntimeLibraries.class.getResourceAsStream("/lambda-runtime/" + jar)) {
                if (in == null) {
                    throw new IOException(
                            "lambda-runtime/" + jar + " is not on the local cloud's class path: rebuild it "
                                    + "with `mvn -B -pl local -am package -DskipTests` (bin/switchboard-local does this)");
                }
                Path target = directory.resolve(jar);
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                classPath.add(target);
            }
        }
        String library = nativeLibraryName();
        if (library == null) {
            return new RuntimeLibraries(
                    directory,
                    classPath,
                    Optional.empty(),
                    "the runtime interface client ships its "
                            + "native library for Linux x86_64 and aarch64 only; this is "
                            + System.getProperty("os.name") + " "
                            + System.getProperty("os.arch"));
        }
        Path so = directory.resolve("libaws-lambda-jni.so");
        try (JarFile ric = new JarFile(classPath.get(0).toFile())) {
            var entry = ric.getJarEntry("jni/" + library);
            if (entry == null) {
                return new RuntimeLibraries(
                        directory,
                        classPath,
                        Optional.empty(),
                        "the runtime interface client jar has no jni/" + library);
            }
            try (InputStream in = ric.getInputStream(entry)) {
                Files.copy(in, so, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return new RuntimeLibraries(directory, classPath, Optional.of(so), null);
    }

    /** The RIC's library for this OS, architecture and C library, or null when it ships none. */
    private static String nativeLibraryName() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch_64";
            default -> null;
        };
        if (arch == null) {
            return null;
        }
        boolean musl;
        try (Stream<Path> lib = Files.list(Path.of("/lib"))) {
            musl = lib.anyMatch(p -> p.getFileName().toString().startsWith("ld-musl-"));
        } catch (IOException | UncheckedIOException e) {
            musl = false;
        }
        return "libaws-lambda-jni.linux" + (musl ? "_musl" : "") + "-" + arch + ".so";
    }

    /** The jars to put on an instance's class path, RIC first (as the managed runtime's bootstrap does). */
    List<Path> classPath() {
        return classPath;
    }

    /** This platform's native Runtime API client, unpacked; empty where the RIC ships none. */
    Optional<Path> nativeLibrary() {
        return nativeLibrary;
    }

    /** Why {@link #nativeLibrary()} is empty (null when it is not). */
    String nativeProblem() {
        return nativeProblem;
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
