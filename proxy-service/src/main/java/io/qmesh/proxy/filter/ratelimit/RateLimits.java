package io.qmesh.proxy.filter.ratelimit;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;

/**
 * A route's or virtual host's {@code rate_limits}: each entry turns a request into one descriptor (a
 * list of key/value entries) or into none, as Envoy's rate limit actions do. Only the actions a header
 * or a constant can answer are supported: {@code request_headers} and {@code generic_key}.
 */
public record RateLimits(List<List<Action>> entries) {

    public static final RateLimits NONE = new RateLimits(List.of());

    /** One descriptor entry. */
    public record Entry(String key, String value) {
    }

    /** One action of a rate limit entry. */
    public sealed interface Action {
        /** The entry for this request; null if the header is absent (and the action may not be skipped). */
        Entry entry(HttpHeaders headers);

        /** True when an absent value drops just this entry rather than the whole descriptor. */
        boolean skipIfAbsent();
    }

    /** {@code request_headers}: the header's first value under {@code key}. */
    public record RequestHeader(String header, String key, boolean skipIfAbsent) implements Action {
        @Override
        public Entry entry(HttpHeaders headers) {
            String value = headers.get(header);
            return value == null ? null : new Entry(key, value);
        }
    }

    /** {@code generic_key}: a constant entry, {@code generic_key} unless the key is configured. */
    public record GenericKey(String key, String value) implements Action {
        @Override
        public Entry entry(HttpHeaders headers) {
            return new Entry(key, value);
        }

        @Override
        public boolean skipIfAbsent() {
            return false;
        }
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The descriptors of one request, in configuration order. */
    public List<List<Entry>> descriptors(HttpHeaders headers) {
        if (entries.size() == 1 && entries.get(0).size() == 1) {
            // The usual policy (one descriptor of one entry, e.g. per end-user): no lists to grow per request.
            Entry e = entries.get(0).get(0).entry(headers);
            return e == null ? List.of() : List.of(List.of(e));
        }
        List<List<Entry>> out = new ArrayList<>(entries.size());
        for (List<Action> actions : entries) {
            List<Entry> descriptor = new ArrayList<>(actions.size());
            boolean complete = true;
            for (Action a : actions) {
                Entry e = a.entry(headers);
                if (e != null) {
                    descriptor.add(e);
                } else if (!a.skipIfAbsent()) {
                    complete = false;
                    break;
                }
            }
            if (complete && !descriptor.isEmpty()) {
                out.add(descriptor);
            }
        }
        return out;
    }
}
