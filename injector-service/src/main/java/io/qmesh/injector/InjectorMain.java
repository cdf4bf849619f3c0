package io.qmesh.injector;

import io.qmesh.injector.capture.CaptureMain;
import io.qmesh.injector.certs.CertificateBootstrap;
import io.qmesh.injector.kubeinject.KubeInjectMain;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The injector's entry point. Without arguments it prepares the serving certificate and starts
 * the webhook server (Quarkus). The same jar has offline modes that do not start Quarkus:
 * {@code istio-iptables ...} installs the capture rules (the {@code istio-init} container) and
 * {@code kube-inject -f app.yaml} injects manifests.
 */
@QuarkusMain
public final class InjectorMain {

    private InjectorMain() {
    }

    public static void main(String... args) {
        if (args.length > 0 && args[0].equals("istio-iptables")) {
            CaptureMain.main(args);
            return;
        }
        if (args.length > 0 && args[0].equals("kube-inject")) {
            KubeInjectMain.main(args);
            return;
        }
        CertificateBootstrap.prepareAndPublish();
        Quarkus.run(args);
    }
}
