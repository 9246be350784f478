package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.Test;

/** One connection's inbound bound and outbound framing, without a network (a fake session). */
class GatewayConnectionTest {

    private static Session fakeSession(AtomicInteger demands) {
        return (Session) Proxy.newProxyInstance(
                Session.class.getClassLoader(),
                new Class<?>[] {Session.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "demand" -> {
                        demands.incrementAndGet();
                        yield null;
                    }
                    case "isOpen" -> true;
                    default -> null;
                });
    }

    @Test
    void dispatchFrame_stopsDemanding_atMaxInFlight_andResumesWhenOneFinishes() {
        List<Runnable> held = new ArrayList<>(); // an executor that runs nothing until told
        GatewayConnection c = new GatewayConnection("c1", 0, "127.0.0.1", null, held::add, false);
        AtomicInteger demands = new AtomicInteger();
        c.session = fakeSession(demands);

        for (int i = 0; i < GatewayConnection.MAX_IN_FLIGHT + 10; i++) {
            c.dispatchFrame(() -> {});
        }

        // Frames beyond the bound are never read: the socket is not asked for more.
        assertThat(demands.get()).isEqualTo(GatewayConnection.MAX_IN_FLIGHT - 1);
        held.remove(0).run();
        assertThat(demands.get()).isEqualTo(GatewayConnection.MAX_IN_FLIGHT);
        held.remove(0).run();
        assertThat(demands.get())
                .as("one demand per freed slot, not per finished frame")
                .isEqualTo(GatewayConnection.MAX_IN_FLIGHT);
    }

    @Test
    void fragmentEnd_fitsTheByteBudget_withoutSplittingCharacters() {
        String text = "ab中😀c";
        assertThat(GatewayConnection.fragmentEnd(text, 0, 2)).isEqualTo(2);
        assertThat(GatewayConnection.fragmentEnd(text, 0, 4)).isEqualTo(2); // 中 needs 3 more bytes
        assertThat(GatewayConnection.fragmentEnd(text, 0, 5)).isEqualTo(3);
        assertThat(GatewayConnection.fragmentEnd(text, 3, 3)).isEqualTo(3); // 😀 needs 4: nothing fits
        assertThat(GatewayConnection.fragmentEnd(text, 3, 4)).isEqualTo(5); // both chars of the pair
        assertThat(GatewayConnection.utf8Length(text))
                .isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
}
