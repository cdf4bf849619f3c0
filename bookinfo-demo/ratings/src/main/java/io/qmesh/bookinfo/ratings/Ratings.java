package io.qmesh.bookinfo.ratings;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** {@code {"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}}; the map keeps its insertion order. */
@JsonPropertyOrder({ "id", "ratings" })
public record Ratings(int id, Map<String, Integer> ratings) {
}
