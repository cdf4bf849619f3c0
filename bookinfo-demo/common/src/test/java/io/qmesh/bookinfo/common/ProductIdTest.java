package io.qmesh.bookinfo.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

class ProductIdTest {

    @Test
    void acceptsDecimalIntegersOnly() {
        assertEquals(OptionalInt.of(0), ProductId.parse("0"));
        assertEquals(OptionalInt.of(-4), ProductId.parse("-4"));
        assertEquals(OptionalInt.of(Integer.MAX_VALUE), ProductId.parse("2147483647"));
        for (String bad : new String[] { null, "", "a", "1a", "+1", "1.0", " 1", "2147483648", "0x10", "１" }) {
            assertTrue(ProductId.parse(bad).isEmpty(), "expected rejection of " + bad);
        }
    }
}
