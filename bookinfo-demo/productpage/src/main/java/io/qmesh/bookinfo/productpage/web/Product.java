package io.qmesh.bookinfo.productpage.web;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** A book of the catalogue, in the JSON shape of {@code GET /api/v1/products}. */
@JsonPropertyOrder({ "id", "title", "descriptionHtml" })
public record Product(int id, String title, String descriptionHtml) {

    /** Bookinfo sells one book; the product page always shows product 0. */
    public static final List<Product> CATALOGUE = List.of(new Product(0, "The Comedy of Errors",
            "<a href=\"https://en.wikipedia.org/wiki/The_Comedy_of_Errors\">Wikipedia Summary</a>: "
                    + "The Comedy of Errors is one of <b>William Shakespeare's</b> early plays. It is his shortest "
                    + "and one of his most farcical comedies, with a major part of the humour coming from slapstick "
                    + "and mistaken identity, in addition to puns and word play."));

    public static Product featured() {
        return CATALOGUE.get(0);
    }
}
