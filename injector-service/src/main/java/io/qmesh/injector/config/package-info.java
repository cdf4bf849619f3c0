/** The mesh configuration the injector renders sidecars with, and label selectors for the injection policy. */
package io.qmesh.injector.config;
