package io.qmesh.bookinfo.common;

import java.util.OptionalInt;

/** Parses the product id of a path such as {@code /details/{id}}: bookinfo accepts decimal integers only. */
public final class ProductId {

    private ProductId() {
    }

    /** The id, or empty when {@code text} is not a decimal integer that fits an int. */
    public static OptionalInt parse(String text) {
        if (text == null || !text.matches("-?[0-9]{1,10}")) {
            return OptionalInt.empty();
        }
        long value = Long.parseLong(text);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) value);
    }
}
