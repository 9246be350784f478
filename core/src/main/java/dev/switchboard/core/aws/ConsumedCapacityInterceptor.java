package dev.switchboard.core.aws;

import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * Asks DynamoDB for the capacity each call consumes ({@code ReturnConsumedCapacity=TOTAL}, unless
 * the caller asked for more) and counts it into the invocation's metrics as
 * {@link Metric#DYNAMODB_READ_UNITS} / {@link Metric#DYNAMODB_WRITE_UNITS}: on-demand tables are
 * billed by exactly these units
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
 * A write refused by its condition consumes units but returns no response: it is not counted.
 */
final class ConsumedCapacityInterceptor implements ExecutionInterceptor {

    private final InvocationMetrics metrics;

    ConsumedCapacityInterceptor(InvocationMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest r = context.request();
        ReturnConsumedCapacity total = ReturnConsumedCapacity.TOTAL;
        if (r instanceof GetItemRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        } else if (r instanceof QueryRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        } else if (r instanceof ScanRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        } else if (r instanceof BatchGetItemRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        } else if (r instanceof TransactGetItemsRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        } else if (r instanceof PutItemRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        } else if (r instanceof UpdateItemRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        } else if (r instanceof DeleteItemRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        } else if (r instanceof BatchWriteItemRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        } else if (r instanceof TransactWriteItemsRequest q && q.returnConsumedCapacity() == null) {
            return q.toBuilder().returnConsumedCapacity(total).build();
        }
        return r;
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        SdkResponse r = context.response();
        if (r instanceof GetItemResponse g) {
            read(g.consumedCapacity());
        } else if (r instanceof QueryResponse q) {
            read(q.consumedCapacity());
        } else if (r instanceof ScanResponse s) {
            read(s.consumedCapacity());
        } else if (r instanceof BatchGetItemResponse b) {
            b.consumedCapacity().forEach(this::read);
        } else if (r instanceof TransactGetItemsResponse t) {
            t.consumedCapacity().forEach(this::read);
        } else if (r instanceof PutItemResponse p) {
            write(p.consumedCapacity());
        } else if (r instanceof UpdateItemResponse u) {
            write(u.consumedCapacity());
        } else if (r instanceof DeleteItemResponse d) {
            write(d.consumedCapacity());
        } else if (r instanceof BatchWriteItemResponse b) {
            b.consumedCapacity().forEach(this::write);
        } else if (r instanceof TransactWriteItemsResponse t) {
            t.consumedCapacity().forEach(this::write);
        }
    }

    private void read(ConsumedCapacity c) {
        if (c != null && c.capacityUnits() != null) {
            metrics.add(Metric.DYNAMODB_READ_UNITS, c.capacityUnits());
        }
    }

    private void write(ConsumedCapacity c) {
        if (c != null && c.capacityUnits() != null) {
            metrics.add(Metric.DYNAMODB_WRITE_UNITS, c.capacityUnits());
        }
    }
}
