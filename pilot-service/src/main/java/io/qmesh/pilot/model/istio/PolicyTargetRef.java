package io.qmesh.pilot.model.istio;

/**
 * What a {@code policy.qmesh.io} policy attaches to, shaped like Gateway API's
 * {@code PolicyTargetReferenceWithSectionName}: a Service in the policy's own namespace ({@code group} is
 * the core group, {@code ""}), optionally narrowed to one of its ports (by {@code sectionName}, the port
 * name, or by {@code port}, the number) and to one named HTTP route of the VirtualService for that host.
 */
public record PolicyTargetRef(String group, String kind, String name, String sectionName, Integer port, String route) {
    public static final String SERVICE = "Service";

    public PolicyTargetRef {
        group = group == null ? "" : group; // absent and "" are both the core group, as in Gateway API
    }
}
