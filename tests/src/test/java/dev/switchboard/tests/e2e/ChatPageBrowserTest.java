package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** Two people in two headless Chromium windows chat through the page the local cloud serves. */
class ChatPageBrowserTest {

    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    @BeforeAll
    static void checkBrowser() {
        if (!Files.isExecutable(CHROMEDRIVER) || !Files.isExecutable(CHROMIUM)) {
            throw new IllegalStateException("Headless browser tests need Debian's chromium and chromium-driver: "
                    + "run `apt-get install -y chromium chromium-driver` (.ci/run does it)");
        }
    }

    static WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
                "--window-size=1280,800");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    static WebElement byTestId(WebDriver driver, String id) {
        return driver.findElement(By.cssSelector("[data-testid='" + id + "']"));
    }

    @Test
    void twoUsers_oneSends_theOtherSeesIt() {
        String page = String.valueOf(local.cloud().chatPageUri());
        WebDriver alice = browser();
        WebDriver bob = browser();
        try {
            // alice signs in through the form, bob through a shareable link
            alice.get(page);
            byTestId(alice, "name").sendKeys("alice");
            byTestId(alice, "connect").click();
            bob.get(page + (page.endsWith("/") ? "" : "/") + "?user=bob&room=lobby");
            for (WebDriver driver : List.of(alice, bob)) {
                new WebDriverWait(driver, Duration.ofSeconds(15))
                        .until(d -> byTestId(d, "state").getText().equals("connected"));
            }
            // bob's join reaches alice as presence: both are in the room before alice speaks
            new WebDriverWait(alice, Duration.ofSeconds(15))
                    .until(d -> d.findElement(By.id("messages")).getText().contains("bob joined"));

            byTestId(alice, "message").sendKeys("hello from the browser");
            byTestId(alice, "send").click();

            WebElement seen = new WebDriverWait(bob, Duration.ofSeconds(15)).until(d -> d
                    .findElements(By.cssSelector("[data-testid='message'][data-from='alice']")).stream()
                    .filter(e -> e.getText().contains("hello from the browser")).findFirst().orElse(null));
            assertThat(seen.getAttribute("data-id")).isNotBlank();
            // the sender's own copy was acknowledged with the same server id
            new WebDriverWait(alice, Duration.ofSeconds(15)).until(d -> d
                    .findElements(By.cssSelector("[data-testid='message'][data-id='" + seen.getAttribute("data-id") + "']"))
                    .size() == 1);
        } finally {
            alice.quit();
            bob.quit();
        }
    }
}
