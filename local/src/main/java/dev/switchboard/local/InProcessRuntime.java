package dev.switchboard.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import dev.switchboard.logging.Redaction;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process seam: one function's instances run inside the local cloud's own JVM, each built
 * with the handler's public no-argument constructor (the one Lambda's runtime calls), each handling
 * one event at a time and reused between events; a new one is created when all are busy. The
 * template's timeout is enforced; a timed-out instance is thrown away. Events pass through
 * aws-lambda-java-serialization like in the Java runtime.
 *
 * <p>With a task root (the function's code laid out as {@code sam build} lays it out: Switchboard's
 * functions), every instance gets a {@link FunctionClassLoader} of its own over the task root's jars:
 * the deployed code, its own static state, and the function's own environment (the template's
 * variables and Lambda's, as {@link ProcessRuntime} gives its processes), so the real handlers run
 * unchanged. Without one (a test's handler class on the local cloud's class path, recording into the
 * test's JVM), instances are plain objects of the local cloud's class loader and see its environment.
 *
 * <p>Not Lambda's lifecycle either way: instances share one process and are never frozen, memory is
 * not capped, and there are no REPORT lines. {@link ProcessRuntime} is the default; this mode serves
 * tests and platforms where the runtime interface client's native library cannot load (see
 * docs/LOCAL.md, "In-process mode").
 */
final class InProcessRuntime implements FunctionRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessRuntime.class);

    private final LocalTemplate.FunctionDef def;
    private final ExecutorService executor;
    private final long timeoutMillis;
    private final ConcurrentLinkedDeque<Instance> idle = new ConcurrentLinkedDeque<>();
    private final Logger handlerLog;
    /**
     * Concurrent invocations (and so instances) per function. Lambda would scale out to many
     * sandboxes, but on a laptop each new instance pays a whole cold start (SDK clients, class
     * loading) on the same few cores: a burst of a thousand connects would spend seconds creating
     * instances. Events wait for a warm one instead. Override with -Dswitchboard.local.maxInstances.
     */
    private final Semaphore concurrency = new Semaphore(
            Integer.getInteger(
                    "switchboard.local.maxInstances",
                    Math.max(4, 2 * Runtime.getRuntime().availableProcessors())),
            true);

    /** The function's task root, or null: its handler is on the local cloud's class path. */
    private final Path taskRoot;

    private final Map<String, String> environment;
    private final AtomicInteger instances = new AtomicInteger();

    /**
     * @param taskRoot the function's code as {@code sam build} lays it out (its {@code lib/*.jar}), or
     *     null to load the handler from the local cloud's own class path (tests' handlers)
     * @param region the Region the function's environment names ({@code AWS_REGION})
     */
    InProcessRuntime(
            LocalTemplate.FunctionDef def,
            ExecutorService executor,
            long timeoutMillisOverride,
            Path taskRoot,
            String region) {
        this.def = def;
        this.taskRoot = taskRoot;
        this.environment = taskRoot == null ? Map.of() : ProcessRuntime.lambdaEnvironment(def, taskRoot, region);
        this.executor = executor;
        this.timeoutMillis = timeoutMillisOverride > 0 ? timeoutMillisOverride : def.timeoutSeconds() * 1000L;
        this.handlerLog = LoggerFactory.getLogger("lambda." + def.functionName());
    }

    @Override
    public LocalTemplate.FunctionDef definition() {
        return def;
    }

    /**
     * Invokes the function with an event given as JSON and returns the handler's result as JSON
     * (null for a void handler or a null result).
     */
    @Override
    public String invoke(String eventJson, String requestId, Runnable delivered) throws InvocationException {
        try {
            concurrency.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvocationException("interrupted", e, false);
        }
        try {
            return invokeOnInstance(eventJson, requestId, delivered);
        } finally {
            concurrency.release();
        }
    }

    private String invokeOnInstance(String eventJson, String requestId, Runnable delivered) throws InvocationException {
        Instance instance = idle.pollFirst();
        if (instance == null) {
            try {
                instance = new Instance();
            } catch (Exception | LinkageError e) {
                Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
                throw new InvocationException(
                        Redaction.redact("cannot initialise " + def.handlerClass() + ": " + cause), cause, false);
            }
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Instance running = instance;
        delivered.run();
        Future<String> future = executor.submit(() -> running.call(eventJson, new LocalContext(requestId, deadline)));
        try {
            String result = future.get(timeoutMillis, TimeUnit.MILLISECONDS);
            idle.offerFirst(instance);
            return result;
        } catch (TimeoutException e) {
            future.cancel(true);
            // Lambda resets a sandbox whose invocation timed out: never reuse this instance.
            throw new InvocationException("Task timed out after " + timeoutMillis / 1000.0 + " seconds", e, true);
        } catch (ExecutionException e) {
            idle.offerFirst(instance); // a handler error leaves the sandbox warm, as on Lambda
            Throwable cause = e.getCause() instanceof InvocationTargetException ite ? ite.getCause() : e.getCause();
            // Redacted: an exception can quote the event (Jackson cites its input), and a $connect event
            // carries the client's token in queryStringParameters / headers.
            handlerLog.error("{} failed: {}", def.functionName(), Redaction.stackTrace(cause));
            throw new InvocationException(Redaction.redact(String.valueOf(cause)), cause, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new InvocationException("interrupted", e, false);
        }
    }

    /** One warm sandbox: a handler object, its method and its class loader. */
    private final class Instance {
        private final ClassLoader loader;
        private final Object handler;
        private final Method method;
        private final boolean stream;
        private final PojoSerializer<Object> input;

        @SuppressWarnings("unchecked")
        Instance() throws Exception {
            loader = taskRoot != null
                    ? new FunctionClassLoader(
                            def.functionName() + "-" + instances.incrementAndGet(),
                            classPath(),
                            FunctionRuntime.class.getClassLoader(),
                            environment)
                    : Thread.currentThread().getContextClassLoader() != null
                            ? Thread.currentThread().getContextClassLoader()
                            : FunctionRuntime.class.getClassLoader();
            Class<?> type = Class.forName(def.handlerClass(), true, loader);
            // Lambda's only way in: the public no-argument constructor; configuration comes from the environment.
            // The runtime makes the function's loader the context class loader (the SDK finds its HTTP client by it).
            handler = withContextLoader(loader, () -> type.getConstructor().newInstance());
            stream = handler instanceof RequestStreamHandler && "handleRequest".equals(def.handlerMethod());
            Method found = null;
            for (Method m : type.getMethods()) {
                if (m.getName().equals(def.handlerMethod())
                        && !m.isBridge()
                        && m.getParameterCount() >= 1
                        && m.getParameterCount() <= 2
                        && (found == null || found.getParameterTypes()[0] == Object.class)) {
                    found = m;
                }
            }
            if (found == null) {
                throw new NoSuchMethodException(def.handlerClass() + "::" + def.handlerMethod());
            }
            method = found;
            input = stream ? null : (PojoSerializer<Object>) serializer(method.getParameterTypes()[0]);
        }

        String call(String eventJson, Context context) throws Exception {
            return withContextLoader(loader, () -> handle(eventJson, context));
        }

        private String handle(String eventJson, Context context) throws Exception {
            if (stream) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ((RequestStreamHandler) handler)
                        .handleRequest(
                                new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8)), out, context);
                return out.size() == 0 ? null : out.toString(StandardCharsets.UTF_8);
            }
            Object event = input.fromJson(eventJson);
            Object result = method.getParameterCount() == 2
                    ? method.invoke(handler, event, context)
                    : method.invoke(handler, event);
            if (result == null) {
                return null;
            }
            @SuppressWarnings("unchecked")
            PojoSerializer<Object> output = (PojoSerializer<Object>) serializer(result.getClass());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            output.toJson(result, out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** The task root and its {@code lib/*.jar}, the Java runtime's class path for a function. */
    private List<Path> classPath() {
        List<Path> path = new ArrayList<>();
        path.add(taskRoot);
        try {
            path.addAll(TaskRoots.jars(taskRoot));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + taskRoot.resolve("lib"), e);
        }
        return path;
    }

    private static <T> T withContextLoader(ClassLoader loader, java.util.concurrent.Callable<T> work) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return work.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static PojoSerializer<?> serializer(Class<?> type) {
        if (LambdaEventSerializers.isLambdaSupportedEvent(type.getName())) {
            return LambdaEventSerializers.serializerFor(type, type.getClassLoader());
        }
        return JacksonFactory.getInstance().getSerializer(type);
    }

    /** The Lambda context of one invocation. */
    private final class LocalContext implements Context {
        private final String requestId;
        private final long deadline;

        LocalContext(String requestId, long deadline) {
            this.requestId = requestId;
            this.deadline = deadline;
        }

        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/" + def.functionName();
        }

        @Override
        public String getLogStreamName() {
            return "local/" + def.functionName();
        }

        @Override
        public String getFunctionName() {
            return def.functionName();
        }

        @Override
        public String getFunctionVersion() {
            return "1";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:" + def.environment().getOrDefault("AWS_REGION", "us-east-1")
                    + ":000000000000:function:" + def.functionName() + ":live";
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return (int) Math.max(0, deadline - System.currentTimeMillis());
        }

        @Override
        public int getMemoryLimitInMB() {
            return def.memorySize();
        }

        @Override
        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                @Override
                public void log(String message) {
                    handlerLog.info("{}", message.stripTrailing());
                }

                @Override
                public void log(byte[] message) {
                    log(new String(message, StandardCharsets.UTF_8));
                }
            };
        }
    }

    @Override
    public String toString() {
        return def.functionName() + " (" + def.handlerClass() + ")";
    }

    static void logCold(String fn) {
        LOG.debug("cold start {}", fn);
    }
}
