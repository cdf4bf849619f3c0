package io.qmesh.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tables over a proxy's config dump, from JSON in the shape the proxy's admin prints (protobuf JSON). */
class ConfigTablesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> lines(Table t) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        t.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).lines().map(l -> l.replaceAll("\\s{2,}", " | ")).toList();
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void listenersShowAddressBindAndWhereTrafficGoes() throws Exception {
        JsonNode dump = json("""
                {'configs':[{'@type':'type.googleapis.com/envoy.admin.v3.ListenersConfigDump','dynamic_listeners':[
                 {'version_info':'2','active_state':{'name':'virtualOutbound','address':{'socketAddress':{'address':'127.0.0.11','portValue':15001}},
                  'useOriginalDst':true,'filterChains':[{'filters':[{'name':'envoy.filters.network.tcp_proxy',
                  'typedConfig':{'cluster':'PassthroughCluster'}}]}]}},
                 {'version_info':'2','active_state':{'name':'0.0.0.0_9080','address':{'socketAddress':{'address':'0.0.0.0','portValue':9080}},
                  'bindToPort':false,'filterChains':[{'filters':[{'name':'envoy.filters.network.http_connection_manager',
                  'typedConfig':{'rds':{'routeConfigName':'9080'}}}]}]}}]}]}""");
        List<JsonNode> listeners = ProxyConfigCommand.resources(dump, new String[]{"ListenersConfigDump", "dynamic_listeners", "active_state"});
        assertEquals(List.of(
                "NAME | ADDRESSES | PORT | BIND | MATCH | DESTINATION",
                "0.0.0.0_9080 | 0.0.0.0 | 9080 | no (hand-off target) | ALL | Route: 9080",
                "virtualOutbound | 127.0.0.11 | 15001 | yes, original-dst | ALL | Cluster: PassthroughCluster"),
                lines(ConfigTables.listeners(listeners)));
    }

    @Test
    void routesShowMatchesWeightsTimeoutsAndFaults() throws Exception {
        JsonNode rc = json("""
                {'name':'9080','virtualHosts':[{'name':'reviews.default.svc.cluster.local:9080','domains':['reviews.default.svc.cluster.local','reviews'],
                 'routes':[{'match':{'prefix':'/','headers':[{'name':'end-user','stringMatch':{'exact':'jason'}}]},
                            'route':{'cluster':'outbound|9080|v2|reviews.default.svc.cluster.local','timeout':'0.500s'}},
                           {'match':{'prefix':'/'},'route':{'weightedClusters':{'clusters':[{'name':'outbound|9080|v1|r','weight':50},{'name':'outbound|9080|v3|r','weight':50}]}},
                            'typedPerFilterConfig':{'envoy.filters.http.fault':{'delay':{'fixedDelay':'7s'}}}}]}]}""");
        assertEquals(List.of(
                "NAME | VHOST NAME | DOMAINS | MATCH | ACTION",
                "9080 | reviews.default.svc.cluster.local:9080 | reviews.default.svc.cluster.local +1 more | /* end-user=jason | outbound|9080|v2|reviews.default.svc.cluster.local timeout 0.500s",
                "9080 | reviews.default.svc.cluster.local:9080 | reviews.default.svc.cluster.local +1 more | /* | outbound|9080|v1|r 50%, outbound|9080|v3|r 50% fault: delay 7s"),
                lines(ConfigTables.routes(List.of(rc))));
    }

    @Test
    void clustersAreTakenApartByIstiosNames() throws Exception {
        List<JsonNode> clusters = List.of(json("{'name':'outbound|9080|v1|reviews.default.svc.cluster.local','type':'EDS'}"),
                json("{'name':'inbound|9080||'}"), json("{'name':'BlackHoleCluster'}"));
        assertEquals(List.of(
                "SERVICE FQDN | PORT | SUBSET | DIRECTION | TYPE | NAME",
                "reviews.default.svc.cluster.local | 9080 | v1 | OUTBOUND | EDS | outbound|9080|v1|reviews.default.svc.cluster.local",
                "- | 9080 | - | INBOUND | STATIC | inbound|9080||",
                "BlackHoleCluster | - | - | - | STATIC | BlackHoleCluster"),
                lines(ConfigTables.clusters(clusters)));
    }

    @Test
    void endpointsComeFromTheLiveClustersText() {
        String text = """
                outbound|9080||ratings::lb_policy::LEAST_REQUEST
                outbound|9080||ratings::127.0.0.13:9080::health_flags::healthy
                outbound|9080||ratings::127.0.0.13:9080::rq_total::7
                outbound|9080||ratings::127.0.0.13:9080::rq_error::1
                outbound|9080||details::127.0.0.12:9080::health_flags::/failed_eds_health
                outbound|9080||reviews::127.0.0.15:9080::health_flags::/failed_outlier_check
                """;
        assertEquals(List.of(
                "ENDPOINT | STATUS | OUTLIER CHECK | RQ TOTAL | RQ ERROR | CLUSTER",
                "127.0.0.12:9080 | UNHEALTHY | OK | 0 | 0 | outbound|9080||details",
                "127.0.0.13:9080 | HEALTHY | OK | 7 | 1 | outbound|9080||ratings",
                "127.0.0.15:9080 | HEALTHY | FAILED | 0 | 0 | outbound|9080||reviews"),
                lines(ConfigTables.endpoints(text)));
    }
}
