package io.qmesh.injector.inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.qute.Engine;
import io.quarkus.qute.ReflectionValueResolver;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateException;
import io.quarkus.qute.ValueResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sidecar template: a Qute template producing a YAML pod fragment (labels, annotations, init
 * containers, containers, volumes) that {@link PodMerger} merges into the pod. It is configuration,
 * not code: deployments mount their own from a ConfigMap ({@code injector.template-path}).
 *
 * <p>The template sees {@code pod}, {@code proxy}, {@code mesh}, {@code initArgs} and
 * {@code nativeSidecar} (see {@link SidecarValues}); {@code {value.json}} renders any value as a
 * JSON literal, which is valid YAML, so label values and JSON strings never break the document.
 */
public final class SidecarTemplate {

    public static final String DEFAULT_RESOURCE = "injector/sidecar-template.yaml";

    private static final Engine ENGINE = Engine.builder()
            .addDefaults()
            .addValueResolver(new ReflectionValueResolver())
            .addValueResolver(ValueResolver.builder()
                    .applyToName("json")
                    .applyToNoParameters()
                    .resolveSync(context -> json(context.getBase()))
                    .build())
            .strictRendering(true)
            .removeStandaloneLines(true)
            .build();

    private final String source;
    private final Template template;

    private SidecarTemplate(String source, String text) {
        this.source = source;
        try {
            this.template = ENGINE.parse(text);
        } catch (TemplateException e) {
            throw new IllegalArgumentException("sidecar template " + source + " does not parse: " + e.getMessage(), e);
        }
    }

    /** The template shipped in this module. */
    public static SidecarTemplate builtIn() {
        try (InputStream in = SidecarTemplate.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + DEFAULT_RESOURCE + " is missing");
            }
            return new SidecarTemplate("classpath:" + DEFAULT_RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A template file, e.g. mounted from a ConfigMap. Fails fast if unreadable or unparsable. */
    public static SidecarTemplate fromFile(Path path) {
        try {
            return new SidecarTemplate(path.toString(), Files.readString(path));
        } catch (IOException e) {
            throw new IllegalArgumentException("injector.template-path: cannot read " + path + " (" + e.getMessage() + ")", e);
        }
    }

    public static SidecarTemplate fromString(String name, String text) {
        return new SidecarTemplate(name, text);
    }

    public String render(SidecarValues values) {
        try {
            return template.instance()
                    .data("pod", values.pod())
                    .data("proxy", values.proxy())
                    .data("mesh", values.mesh())
                    .data("initArgs", values.initArgs())
                    .data("nativeSidecar", values.nativeSidecar())
                    .render();
        } catch (TemplateException e) {
            throw new InjectionException("sidecar template " + source + " failed to render: " + e.getMessage(), e);
        }
    }

    public String source() {
        return source;
    }

    private static String json(Object value) {
        try {
            return PodCodec.JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
