package io.qmesh.bookinfo.ratings;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

/**
 * The ratings of every product: Istio's defaults (Reviewer1 = 5, Reviewer2 = 4) unless a POST replaced
 * them. Bounded, so that a client posting to ever new ids cannot grow the heap without limit.
 */
@Singleton
public class RatingsStore {

    static final int MAX_PRODUCTS = 1000;
    private static final Map<String, Integer> DEFAULTS = defaults();

    private final Map<Integer, Map<String, Integer>> posted = new ConcurrentHashMap<>();

    public Ratings get(int productId) {
        return new Ratings(productId, posted.getOrDefault(productId, DEFAULTS));
    }

    /** Replaces the ratings of a product; false when the store is full and the product is new. */
    public boolean replace(int productId, Map<String, Integer> ratings) {
        if (posted.size() >= MAX_PRODUCTS && !posted.containsKey(productId)) {
            return false;
        }
        posted.put(productId, Collections.unmodifiableMap(new LinkedHashMap<>(ratings)));
        return true;
    }

    private static Map<String, Integer> defaults() {
        Map<String, Integer> ratings = new LinkedHashMap<>();
        ratings.put("Reviewer1", 5);
        ratings.put("Reviewer2", 4);
        return Collections.unmodifiableMap(ratings);
    }
}
