package dev.coproc.java;

import java.util.function.Function;
import kotlinx.serialization.KSerializer;
import kotlinx.serialization.descriptors.SerialDescriptor;
import kotlinx.serialization.encoding.Decoder;
import kotlinx.serialization.encoding.Encoder;

/**
 * How a Java facade travels: as the Kotlin handle it wraps, wrapped again where it arrives. Each facade names a
 * subclass in its {@code @Serializable(with = ...)}, built from its type arguments' serializers.
 *
 * @param <F> the facade
 * @param <K> the Kotlin handle it wraps
 */
abstract class FacadeSerializer<F, K> implements KSerializer<F> {
    private final KSerializer<K> handles;
    private final Function<K, F> wrap;
    private final Function<F, K> unwrap;

    FacadeSerializer(KSerializer<K> handles, Function<K, F> wrap, Function<F, K> unwrap) {
        this.handles = handles;
        this.wrap = wrap;
        this.unwrap = unwrap;
    }

    @Override
    public final SerialDescriptor getDescriptor() {
        return handles.getDescriptor();
    }

    @Override
    public final void serialize(Encoder encoder, F value) {
        handles.serialize(encoder, unwrap.apply(value));
    }

    @Override
    public final F deserialize(Decoder decoder) {
        return wrap.apply(handles.deserialize(decoder));
    }
}
