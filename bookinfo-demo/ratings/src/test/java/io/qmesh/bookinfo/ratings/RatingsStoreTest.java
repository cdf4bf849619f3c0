package io.qmesh.bookinfo.ratings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class RatingsStoreTest {

    @Test
    void postedRatingsReplaceTheDefaultsOfThatProductOnly() {
        RatingsStore store = new RatingsStore();
        assertEquals(Map.of("Reviewer1", 5, "Reviewer2", 4), store.get(1).ratings());
        assertTrue(store.replace(1, Map.of("Reviewer1", 2)));
        assertEquals(new Ratings(1, Map.of("Reviewer1", 2)), store.get(1));
        assertEquals(Map.of("Reviewer1", 5, "Reviewer2", 4), store.get(2).ratings());
    }

    @Test
    void theStoreIsBoundedButKnownProductsCanStillBeReplaced() {
        RatingsStore store = new RatingsStore();
        for (int id = 0; id < RatingsStore.MAX_PRODUCTS; id++) {
            assertTrue(store.replace(id, Map.of("Reviewer1", 1)));
        }
        assertFalse(store.replace(RatingsStore.MAX_PRODUCTS, Map.of("Reviewer1", 1)));
        assertTrue(store.replace(0, Map.of("Reviewer1", 3)));
        assertEquals(Map.of("Reviewer1", 3), store.get(0).ratings());
    }
}
