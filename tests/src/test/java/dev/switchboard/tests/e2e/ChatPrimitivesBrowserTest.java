package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.ChatPageBrowserTest.awaitConnected;
import static dev.switchboard.tests.e2e.ChatPageBrowserTest.awaitShown;
import static dev.switchboard.tests.e2e.ChatPageBrowserTest.browser;
import static dev.switchboard.tests.e2e.ChatPageBrowserTest.byTestId;
import static dev.switchboard.tests.e2e.ChatPageBrowserTest.composer;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 17 on the chat page, in two headless Chromium windows: "typing…" while the other types, a
 * read mark once the other has seen the message, the "(edited)" marker and the deleted tombstone.
 */
class ChatPrimitivesBrowserTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    @BeforeAll
    static void checkBrowser() {
        if (!Files.isExecutable(ChatPageBrowserTest.CHROMEDRIVER)
                || !Files.isExecutable(ChatPageBrowserTest.CHROMIUM)) {
            throw new IllegalStateException("Headless browser tests need Debian's chromium and chromium-driver: "
                    + "run `apt-get install -y chromium chromium-driver` (.ci/run does it)");
        }
    }

    static String link(String query) {
        String page = String.valueOf(local.cloud().chatPageUri());
        return page + (page.endsWith("/") ? "" : "/") + "?" + query;
    }

    static WebDriverWait await(WebDriver driver) {
        return (WebDriverWait)
                new WebDriverWait(driver, Duration.ofSeconds(60)).ignoring(StaleElementReferenceException.class);
    }

    @Test
    void typingReadMarksEditsAndDeletes_showInTheOtherWindow() {
        WebDriver pia = browser();
        WebDriver ben = browser();
        try {
            pia.get(link("user=pia&room=page-prims"));
            ben.get(link("user=ben&room=page-prims"));
            awaitConnected(pia);
            awaitConnected(ben);
            // both joined (from the table: presence between two joins in one window is not what this test is about)
            new WebDriverWait(pia, Duration.ofSeconds(60))
                    .until(d -> local.table().memberConnections("page-prims").size() == 2);

            // pia types: ben sees "pia is typing…" before anything is sent
            composer(pia).sendKeys("hello wrold");
            await(ben).until(d -> byTestId(d, "typing").getText().equals("pia is typing…"));
            byTestId(pia, "send").click();
            awaitShown(ben, "pia", "hello wrold", e -> e);
            // her message ends her typing on ben's screen
            await(ben).until(d -> byTestId(d, "typing").getText().isEmpty());

            // ben's page sends a read receipt for what it shows: pia sees "✓ ben" on her message
            String mark = awaitShown(
                    pia,
                    "pia",
                    "hello wrold",
                    e -> e.findElements(By.cssSelector("[data-testid='read-mark']")).stream()
                            .map(m -> m.getText())
                            .findFirst()
                            .orElse(null));
            assertThat(mark).isEqualTo("✓ ben");

            // pia edits her message in the composer: ben sees the new text marked "(edited)"
            awaitShown(
                            pia,
                            "pia",
                            "hello wrold",
                            e -> e.findElements(By.cssSelector("[data-testid='edit']")).stream()
                                    .findFirst()
                                    .orElse(null))
                    .click();
            assertThat(composer(pia).getAttribute("value")).isEqualTo("hello wrold");
            composer(pia).clear();
            composer(pia).sendKeys("hello world");
            byTestId(pia, "send").click();
            String edited = awaitShown(
                    ben,
                    "pia",
                    "hello world",
                    e -> e.findElements(By.cssSelector("[data-testid='edited']")).stream()
                            .map(m -> m.getText())
                            .findFirst()
                            .orElse(null));
            assertThat(edited).isEqualTo("(edited)");
            assertThat(ben.findElement(By.id("messages")).getText()).doesNotContain("hello wrold");

            // and deletes it: a tombstone on both screens
            awaitShown(
                            pia,
                            "pia",
                            "hello world",
                            e -> e.findElements(By.cssSelector("[data-testid='delete']")).stream()
                                    .findFirst()
                                    .orElse(null))
                    .click();
            for (WebDriver driver : new WebDriver[] {ben, pia}) {
                await(driver)
                        .until(d -> d
                                .findElements(By.cssSelector(
                                        "[data-testid='message'][data-from='pia'] [data-testid='deleted']"))
                                .stream()
                                .anyMatch(e -> e.getText().equals("message deleted")));
            }
            assertThat(ben.findElement(By.id("messages")).getText()).doesNotContain("hello world");
        } finally {
            pia.quit();
            ben.quit();
        }
    }
}
