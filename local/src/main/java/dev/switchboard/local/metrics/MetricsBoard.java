package dev.switchboard.local.metrics;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The metrics the functions emit, as CloudWatch would extract them from their log output: every
 * line that is an embedded metric format (EMF) record
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
 * adds its values. Totals are kept per metric name, and per name and extra dimension for records
 * with more than the {@code Service} dimension ({@code Frames{Action=send}}); a latency metric
 * (unit {@code Milliseconds}) keeps its count, sum and maximum.
 */
public final class MetricsBoard {

    /** Sum, count and maximum of one metric's values, in its unit. */
    public record Stat(String unit, double sum, long count, double max) {
        /** The mean value; 0 when there is none. */
        public double average() {
            return count == 0 ? 0 : sum / count;
        }
    }

    private static final class Acc {
        final DoubleAdder sum = new DoubleAdder();
        final LongAdder count = new LongAdder();
        volatile double max;
        volatile String unit = "None";

        synchronized void add(double value, String unit) {
            sum.add(value);
            count.increment();
            max = Math.max(max, value);
            this.unit = unit;
        }
    }

    private final Map<String, Acc> values = new ConcurrentHashMap<>();
    private final LongAdder records = new LongAdder();

    /**
     * Reads one log line: true when it was an EMF record (its values are now counted), false for
     * any other line, which the caller prints as it is.
     */
    public boolean accept(String line) {
        String trimmed = line.strip();
        if (!trimmed.startsWith("{") || !trimmed.contains("\"_aws\"")) {
            return false;
        }
        JsonObject record;
        try {
            JsonElement parsed = JsonParser.parseString(trimmed);
            if (!parsed.isJsonObject() || !parsed.getAsJsonObject().has("_aws")) {
                return false;
            }
            record = parsed.getAsJsonObject();
        } catch (RuntimeException notJson) {
            return false;
        }
        JsonObject aws = record.getAsJsonObject("_aws");
        if (!aws.has("CloudWatchMetrics")) {
            return false;
        }
        records.increment();
        for (JsonElement directive : aws.getAsJsonArray("CloudWatchMetrics")) {
            JsonObject d = directive.getAsJsonObject();
            String suffix = dimensionSuffix(d, record);
            for (JsonElement m : d.getAsJsonArray("Metrics")) {
                JsonObject metric = m.getAsJsonObject();
                String name = metric.get("Name").getAsString();
                String unit = metric.has("Unit") ? metric.get("Unit").getAsString() : "None";
                JsonElement value = record.get(name);
                if (value == null) {
                    continue;
                }
                Acc acc = values.computeIfAbsent(name + suffix, k -> new Acc());
                if (value.isJsonArray()) {
                    for (JsonElement v : value.getAsJsonArray()) {
                        acc.add(v.getAsDouble(), unit);
                    }
                } else {
                    acc.add(value.getAsDouble(), unit);
                }
            }
        }
        return true;
    }

    /** {@code {Action=send}} for a directive whose dimensions go beyond {@code Service}; empty otherwise. */
    private static String dimensionSuffix(JsonObject directive, JsonObject record) {
        StringBuilder out = new StringBuilder();
        JsonArray sets = directive.getAsJsonArray("Dimensions");
        if (sets == null || sets.isEmpty()) {
            return "";
        }
        for (JsonElement key : sets.get(0).getAsJsonArray()) {
            String k = key.getAsString();
            if (k.equals("Service")) {
                continue;
            }
            JsonElement v = record.get(k);
            out.append(out.length() == 0 ? "{" : ",").append(k).append('=').append(v == null ? "" : v.getAsString());
        }
        return out.length() == 0 ? "" : out.append('}').toString();
    }

    /** The sum of a metric's values so far (0 when it never appeared); {@code name} may carry a dimension suffix. */
    public double total(String name) {
        Acc acc = values.get(name);
        return acc == null ? 0 : acc.sum.sum();
    }

    /** Every metric seen so far, by name (with dimension suffix), sorted. */
    public Map<String, Stat> snapshot() {
        Map<String, Stat> out = new TreeMap<>();
        values.forEach((name, acc) -> out.put(name, new Stat(acc.unit, acc.sum.sum(), acc.count.sum(), acc.max)));
        return out;
    }

    /** How many EMF records were read. */
    public long records() {
        return records.sum();
    }
}
