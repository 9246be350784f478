package dev.switchboard.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A function jar made bigger by real classes it never loads, to measure what jar size alone costs a
 * cold start. The padding is class files from this benchmark's own jar under packages no function
 * refers to or probes for by name (Jetty, Netty, DynamoDB Local and the SDK v1 it uses, picocli), so
 * the padded function behaves exactly as the original; only its zip holds more entries and bytes.
 */
final class PaddedJar {

    /** Packages no function loads a class from, looks a class up in, or lists a service of. */
    private static final List<String> PADDING_PACKAGES =
            List.of("org/eclipse/jetty/", "io/netty/", "com/amazonaws/", "picocli/");

    private PaddedJar() {}

    /**
     * Writes {@code target}: every entry of {@code jar} in order, then padding class files until at
     * least {@code paddingBytes} compressed bytes were added.
     *
     * @param paddingBytes compressed bytes to add (the padded jar is about this much bigger)
     * @throws IOException when this benchmark does not run from its jar, or the jar has too few
     *     padding classes for the size asked
     */
    static void write(Path jar, Path target, long paddingBytes) throws IOException {
        Path source = ownJar();
        Set<String> names = new HashSet<>();
        try (ZipFile original = new ZipFile(jar.toFile());
                ZipFile padding = new ZipFile(source.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(target))) {
            for (ZipEntry entry : original.stream().toList()) {
                copy(original, entry, out);
                names.add(entry.getName());
            }
            long before = Files.size(jar);
            out.flush();
            for (ZipEntry entry : padding.stream()
                    .filter(e -> e.getName().endsWith(".class"))
                    .filter(e ->
                            PADDING_PACKAGES.stream().anyMatch(p -> e.getName().startsWith(p)))
                    .filter(e -> !names.contains(e.getName()))
                    .toList()) {
                if (Files.size(target) - before >= paddingBytes) {
                    return;
                }
                copy(padding, entry, out);
                out.flush();
            }
        }
        if (Files.size(target) - Files.size(jar) < paddingBytes) {
            throw new IOException(source + " has fewer than " + paddingBytes
                    + " bytes of padding classes: ask for less with --cold-padding-mb");
        }
    }

    private static void copy(ZipFile from, ZipEntry entry, ZipOutputStream out) throws IOException {
        out.putNextEntry(new ZipEntry(entry.getName()));
        try (InputStream in = from.getInputStream(entry)) {
            in.transferTo(out);
        }
        out.closeEntry();
    }

    private static Path ownJar() throws IOException {
        try {
            Path self = Path.of(PaddedJar.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (!Files.isRegularFile(self)) {
                throw new IOException("the padded-jar cold starts need the bench's jar (java -jar "
                        + "bench/target/switchboard-bench.jar), not " + self);
            }
            return self;
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
    }
}
