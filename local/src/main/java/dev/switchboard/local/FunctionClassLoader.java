package dev.switchboard.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The class loader of one in-process function instance: the function's deployment jars (the task
 * root's {@code lib/}, as {@code sam build} lays them out), loaded apart from the local cloud, with
 * the instance's own environment.
 *
 * <ul>
 *   <li><b>What it sees.</b> Like the Java runtime's customer class loader, the function's jars over
 *       the runtime's own {@code aws-lambda-java-core} (so the handler implements the same
 *       {@code RequestHandler} and takes the same {@code Context} the local cloud passes); everything
 *       else (the SDK, logback, Powertools, our code) comes from the function's jars, never from the
 *       local cloud's class path, and the JDK from the platform loader. A class missing from the
 *       jars is missing here too, as on Lambda.
 *   <li><b>Static state per instance.</b> One loader per instance, so each instance has its own
 *       statics, as each Lambda execution environment has its own JVM.
 *   <li><b>Environment per instance.</b> Every {@code System.getenv()} / {@code System.getenv(name)}
 *       call in the function's classes is pointed (a one-instruction rewrite with ASM, at load time)
 *       at this loader's own copy of {@link InstanceEnvironment}, holding the function's
 *       environment. The code is otherwise the deployed bytes: production keeps its one path
 *       ({@code new Switchboard(System.getenv())} in the no-argument constructor), and the SDK finds
 *       region, credentials and {@code AWS_ENDPOINT_URL_*} where it looks for them on Lambda. The
 *       JDK's own classes are not rewritten (they read the local cloud's environment; none of the
 *       function's configuration goes through them).
 *   <li><b>System properties per instance.</b> The same rewrite points {@code System.getProperty},
 *       {@code setProperty}, {@code clearProperty} and {@code getProperties} at the instance's own
 *       properties (the JDK's start-up ones, then what it sets), as each Lambda environment's JVM has
 *       its own: what one
 *       instance sets (Powertools appends its user agent to {@code sdk.ua.appId}) is seen by that
 *       instance only. The JDK's own readers ({@code Integer.getInteger}, its networking) still see
 *       the JVM's.
 * </ul>
 */
final class FunctionClassLoader extends URLClassLoader {

    /** What the Java runtime provides beside the function's code: aws-lambda-java-core, not the event classes. */
    private static final String RUNTIME_API = "com.amazonaws.services.lambda.runtime.";

    private static final String RUNTIME_EVENTS = "com.amazonaws.services.lambda.runtime.events.";
    private static final String ENVIRONMENT = InstanceEnvironment.class.getName();
    private static final String ENVIRONMENT_INTERNAL = ENVIRONMENT.replace('.', '/');
    private static final byte[] GETENV = "getenv".getBytes(StandardCharsets.US_ASCII);
    /** In the constant pool of a class that may call getProperty, setProperty, clearProperty or getProperties. */
    private static final byte[] PROPERT = "Propert".getBytes(StandardCharsets.US_ASCII);
    /** The {@code System} methods pointed at the instance's {@link InstanceEnvironment}: same names, same descriptors. */
    private static final java.util.Set<String> REDIRECTED =
            java.util.Set.of("getenv", "getProperty", "setProperty", "clearProperty", "getProperties");

    static {
        registerAsParallelCapable();
    }

    private final ClassLoader runtime;

    /**
     * @param jars the function's jars (the task root's {@code lib/*.jar})
     * @param runtime the loader of the local cloud's {@code aws-lambda-java-core}
     * @param environment the instance's whole process environment
     * @throws IllegalStateException when this loader's copy of {@link InstanceEnvironment} cannot be set
     */
    FunctionClassLoader(String name, List<Path> jars, ClassLoader runtime, Map<String, String> environment) {
        super(name, urls(jars), ClassLoader.getPlatformClassLoader());
        this.runtime = runtime;
        try {
            loadClass(ENVIRONMENT).getMethod("set", Map.class).invoke(null, environment);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot give " + name + " its environment: " + e, e);
        }
    }

    private static URL[] urls(List<Path> jars) {
        return jars.stream()
                .map(p -> {
                    try {
                        return p.toUri().toURL();
                    } catch (java.net.MalformedURLException e) {
                        throw new IllegalArgumentException(p.toString(), e);
                    }
                })
                .toArray(URL[]::new);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> type = findLoadedClass(name);
            if (type == null) {
                if (name.startsWith(RUNTIME_API) && !name.startsWith(RUNTIME_EVENTS)) {
                    type = runtime.loadClass(name);
                } else if (name.equals(ENVIRONMENT)) {
                    // as it is: its own System calls are the JVM's
                    type = define(
                            name,
                            bytes(InstanceEnvironment.class.getResource("/" + ENVIRONMENT_INTERNAL + ".class")),
                            null,
                            false);
                } else if (name.startsWith("java.")) {
                    type = getParent().loadClass(name);
                } else {
                    // The function's jars first (their SDK, logback, slf4j), then the JDK.
                    URL resource = findResource(name.replace('.', '/') + ".class");
                    type = resource != null
                            ? define(name, bytes(resource), resource, true)
                            : getParent().loadClass(name);
                }
            }
            if (resolve) {
                resolveClass(type);
            }
            return type;
        }
    }

    private Class<?> define(String name, byte[] bytes, URL from, boolean rewrite) {
        byte[] code = rewrite && (indexOf(bytes, GETENV) >= 0 || indexOf(bytes, PROPERT) >= 0)
                ? pointGetenvAtInstance(bytes)
                : bytes;
        CodeSource source = from == null ? null : new CodeSource(jarOf(from), (Certificate[]) null);
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            String pkg = name.substring(0, dot);
            if (getDefinedPackage(pkg) == null) {
                try {
                    definePackage(pkg, null, null, null, null, null, null, null);
                } catch (IllegalArgumentException raced) {
                    // defined by a parallel load of another class of the package
                }
            }
        }
        return defineClass(name, code, 0, code.length, new ProtectionDomain(source, null, this, null));
    }

    /** The jar a class came from ({@code jar:file:/…/x.jar!/a/B.class} → {@code file:/…/x.jar}). */
    private static URL jarOf(URL resource) {
        String spec = resource.toString();
        int bang = spec.indexOf("!/");
        try {
            return bang > 0 && spec.startsWith("jar:") ? new URL(spec.substring(4, bang)) : resource;
        } catch (java.net.MalformedURLException e) {
            return resource;
        }
    }

    /**
     * The class with its {@code System.getenv}, {@code getProperty}, {@code setProperty},
     * {@code clearProperty} and {@code getProperties} calls made to this loader's
     * {@link InstanceEnvironment} instead.
     */
    static byte[] pointGetenvAtInstance(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        // Same constant pool, no frames recomputed: one static call becomes another of the same descriptor.
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(
                new ClassVisitor(Opcodes.ASM9, writer) {
                    @Override
                    public MethodVisitor visitMethod(
                            int access, String name, String descriptor, String signature, String[] exceptions) {
                        return new MethodVisitor(
                                Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature, exceptions)) {
                            @Override
                            public void visitMethodInsn(
                                    int opcode, String owner, String method, String desc, boolean isInterface) {
                                if (opcode == Opcodes.INVOKESTATIC
                                        && owner.equals("java/lang/System")
                                        && REDIRECTED.contains(method)) {
                                    super.visitMethodInsn(opcode, ENVIRONMENT_INTERNAL, method, desc, false);
                                } else {
                                    super.visitMethodInsn(opcode, owner, method, desc, isInterface);
                                }
                            }

                            /** {@code System::getenv} (…) as a method reference: a handle among the bootstrap arguments. */
                            @Override
                            public void visitInvokeDynamicInsn(
                                    String method, String desc, Handle bootstrap, Object... arguments) {
                                Object[] args = arguments.clone();
                                for (int i = 0; i < args.length; i++) {
                                    if (args[i] instanceof Handle h
                                            && h.getTag() == Opcodes.H_INVOKESTATIC
                                            && h.getOwner().equals("java/lang/System")
                                            && REDIRECTED.contains(h.getName())) {
                                        args[i] = new Handle(
                                                Opcodes.H_INVOKESTATIC,
                                                ENVIRONMENT_INTERNAL,
                                                h.getName(),
                                                h.getDesc(),
                                                false);
                                    }
                                }
                                super.visitInvokeDynamicInsn(method, desc, bootstrap, args);
                            }
                        };
                    }
                },
                0);
        return writer.toByteArray();
    }

    private static byte[] bytes(URL resource) {
        try (InputStream in = resource.openStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
