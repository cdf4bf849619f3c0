package io.qmesh.bookinfo.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.Test;

class FaultModeTest {

    @Test
    void parsesTheThreeModesAndRejectsOthersNamingTheVariable() {
        assertEquals(FaultMode.NONE, FaultMode.parse(""));
        assertEquals(FaultMode.NONE, FaultMode.parse("none"));
        assertEquals(FaultMode.ERROR, FaultMode.parse("ERROR"));
        assertEquals(FaultMode.UNAVAILABLE, FaultMode.parse(" unavailable "));
        assertEquals("FAULT_MODE: 'slow' (expected: none, error or unavailable)",
                assertThrows(IllegalArgumentException.class, () -> FaultMode.parse("slow")).getMessage());
    }

    @Test
    void onlyFaultyModesReplaceTheAnswer() {
        assertTrue(FaultMode.NONE.failure().isEmpty());
        Response error = FaultMode.ERROR.failure().orElseThrow();
        assertEquals(500, error.getStatus());
        assertEquals(new ErrorBody("Internal server error (FAULT_MODE=error)"), error.getEntity());
        Response unavailable = FaultMode.UNAVAILABLE.failure().orElseThrow();
        assertEquals(503, unavailable.getStatus());
        assertEquals(new ErrorBody("Service unavailable"), unavailable.getEntity());
    }
}
