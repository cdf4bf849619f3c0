package io.qmesh.proxy.stats;

import org.jboss.logging.Logger;

/** Where completed requests are logged. The default writes Envoy's format to the io.qmesh.proxy.access category. */
public interface AccessLog {

    void log(AccessLogEntry entry);

    AccessLog STANDARD = new AccessLog() {
        private final Logger logger = Logger.getLogger("io.qmesh.proxy.access");

        @Override
        public void log(AccessLogEntry entry) {
            if (logger.isInfoEnabled()) {
                logger.info(entry.format());
            }
        }
    };
}
