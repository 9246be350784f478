package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cli.ScriptedServer;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.ServerFrame;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** People in headless Chromium windows chat through the page the local cloud serves. */
class ChatPageBrowserTest {

    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    static final String SECRET = "a-browser-test-secret-of-at-least-256-bits!!";

    /** Dev auth for the name form and shareable links, and a JWT secret for the token login. */
    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(true).jwtSecret(SECRET));

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
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--window-size=1280,800");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /**
     * The message box. Not by test id: shown messages carry data-testid="message" too and come first
     * in the page, so a room with history would hand back a message instead of the box.
     */
    static WebElement composer(WebDriver driver) {
        return driver.findElement(By.id("message"));
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
                new WebDriverWait(driver, LocalCloudExtension.WAIT)
                        .until(d -> byTestId(d, "state").getText().equals("connected"));
            }
            // bob's join reaches alice as presence: both are in the room before alice speaks
            new WebDriverWait(alice, LocalCloudExtension.WAIT)
                    .until(d -> d.findElement(By.id("messages")).getText().contains("bob joined"));

            composer(alice).sendKeys("hello from the browser");
            byTestId(alice, "send").click();

            WebElement seen = new WebDriverWait(bob, LocalCloudExtension.WAIT)
                    .until(d -> d.findElements(By.cssSelector("[data-testid='message'][data-from='alice']")).stream()
                            .filter(e -> e.getText().contains("hello from the browser"))
                            .findFirst()
                            .orElse(null));
            assertThat(seen.getAttribute("data-id")).isNotBlank();
            // the sender's own copy was acknowledged with the same server id
            new WebDriverWait(alice, LocalCloudExtension.WAIT)
                    .until(d -> d.findElements(By.cssSelector(
                                            "[data-testid='message'][data-id='" + seen.getAttribute("data-id") + "']"))
                                    .size()
                            == 1);
        } finally {
            alice.quit();
            bob.quit();
        }
    }

    static void awaitConnected(WebDriver driver) {
        new WebDriverWait(driver, LocalCloudExtension.WAIT)
                .until(d -> byTestId(d, "state").getText().equals("connected"));
    }

    static WebElement awaitMessage(WebDriver driver, String from, String text) {
        return awaitShown(driver, from, text, e -> e);
    }

    /**
     * Waits for a message element and reads it in one go: the page re-renders a room's list when it
     * is selected or when history arrives, so an element found earlier may be gone (stale).
     */
    static <T> T awaitShown(
            WebDriver driver, String from, String text, java.util.function.Function<WebElement, T> read) {
        return new WebDriverWait(driver, LocalCloudExtension.WAIT)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> d.findElements(By.cssSelector("[data-testid='message'][data-from='" + from + "']")).stream()
                        .filter(e -> e.getText().contains(text))
                        .findFirst()
                        .map(read)
                        .orElse(null));
    }

    static String link(String query) {
        String page = String.valueOf(local.cloud().chatPageUri());
        return page + (page.endsWith("/") ? "" : "/") + "?" + query;
    }

    @Test
    void ackedMessage_staysAcked_afterSwitchingRooms_andDirectMessages_haveTheirOwnView() {
        WebDriver carol = browser();
        WebDriver dan = browser();
        try {
            carol.get(link("user=carol&room=page-acks"));
            dan.get(link("user=dan&room=page-acks"));
            awaitConnected(carol);
            awaitConnected(dan);

            composer(carol).sendKeys("acked once");
            byTestId(carol, "send").click();
            // acknowledged: the server's id on it and no "sending…" (null while not yet)
            String id = awaitShown(
                    carol,
                    "carol",
                    "acked once",
                    e -> e.getText().contains("sending")
                                    || e.getAttribute("data-id") == null
                                    || e.getAttribute("data-id").isBlank()
                            ? null
                            : e.getAttribute("data-id"));

            // to another room and back: the page re-renders the room from its items
            byTestId(carol, "room").sendKeys("page-elsewhere");
            byTestId(carol, "join").click();
            new WebDriverWait(carol, LocalCloudExtension.WAIT)
                    .until(d -> d.findElement(By.id("room-title")).getText().equals("#page-elsewhere"));
            carol.findElements(By.cssSelector("#rooms button")).stream()
                    .filter(b -> b.getText().contains("#page-acks"))
                    .findFirst()
                    .orElseThrow()
                    .click();
            new WebDriverWait(carol, LocalCloudExtension.WAIT)
                    .until(d -> d.findElement(By.id("room-title")).getText().equals("#page-acks"));
            // the bug: an acked message showed "sending…" again after switching rooms and back
            String again =
                    awaitShown(carol, "carol", "acked once", e -> e.getText() + " id=" + e.getAttribute("data-id"));
            assertThat(again).doesNotContain("sending").endsWith(" id=" + id);

            // dan sends carol a direct message: not in the room she is looking at, but in the DM view
            composer(dan).sendKeys("@carol psst");
            byTestId(dan, "send").click();
            // the room list is re-rendered as frames arrive (in any order): a button read mid-render is stale
            new WebDriverWait(carol, LocalCloudExtension.WAIT)
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(d -> d.findElements(By.cssSelector("#rooms button")).stream()
                            .anyMatch(b -> b.getText().contains("direct messages")));
            assertThat(carol.findElement(By.id("messages")).getText()).doesNotContain("psst");
            carol.findElements(By.cssSelector("#rooms button")).stream()
                    .filter(b -> b.getText().contains("direct messages"))
                    .findFirst()
                    .orElseThrow()
                    .click();
            assertThat(awaitMessage(carol, "dan", "psst").getText()).contains("psst");
        } finally {
            carol.quit();
            dan.quit();
        }
    }

    @Test
    void tokenLogin_showsTheTokensUser_andWsParameter_pointsThePageAtAnotherApi() throws Exception {
        WebDriver erin = browser();
        try {
            // the page is served here but told to use the WebSocket API by URL, as for a deployed stack
            erin.get(link("ws="
                    + java.net.URLEncoder.encode(
                            String.valueOf(local.cloud().webSocketUri()), java.nio.charset.StandardCharsets.UTF_8)));
            byTestId(erin, "name").sendKeys("typed-name");
            erin.findElement(By.cssSelector("#token-box summary")).click();
            erin.findElement(By.id("token")).sendKeys(TokenEndToEndTest.token(SECRET, "erin", 600));
            byTestId(erin, "connect").click();
            awaitConnected(erin);
            // the server takes the user from the token: the page must say so, not the typed name
            assertThat(erin.findElement(By.id("me")).getText()).isEqualTo("signed in as erin");
            composer(erin).sendKeys("from the token's user");
            byTestId(erin, "send").click();
            assertThat(awaitMessage(erin, "erin", "from the token's user").getAttribute("class"))
                    .contains("mine");
        } finally {
            erin.quit();
        }
    }

    /**
     * The inbox badge's count, 0 while it is hidden. Read by one script, visibility and text together: the page
     * re-renders the badge as frames arrive, and two WebDriver calls (isDisplayed, then getText) once saw it shown
     * and then, hidden by the mark, its text as "" (a fresh-clone run with a core kept busy).
     */
    static int badge(WebDriver driver) {
        Object text = ((org.openqa.selenium.JavascriptExecutor) driver)
                .executeScript("const b = document.querySelector(\"[data-testid='inbox-badge']\");"
                        + " return b === null || b.hidden || b.offsetParent === null ? '' : b.textContent;");
        return text == null || text.toString().isEmpty() ? 0 : Integer.parseInt(text.toString());
    }

    @Test
    void directMessageToAnOfflineUser_waitsInTheInbox_andReadingItInOneTabClearsTheBadgeInTheOther() throws Exception {
        try (WsClient gus = WsClient.connect(local.userUri("gus"))) {
            gus.send(
                    "{\"action\":\"direct\",\"to\":\"hana\",\"text\":\"while you were away\",\"clientMsgId\":\"page-dm\"}");
            gus.next(f -> ChatEndToEndTest.ackFor(f, "page-dm")); // stored: hana is not connected
        }
        WebDriver tab1 = browser();
        WebDriver tab2 = browser();
        try {
            tab1.get(link("user=hana&room=page-inbox"));
            tab2.get(link("user=hana&room=page-inbox"));
            for (WebDriver tab : List.of(tab1, tab2)) {
                awaitConnected(tab);
                new WebDriverWait(tab, LocalCloudExtension.WAIT)
                        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                        .until(d ->
                                badge(d) == 1 && byTestId(d, "inbox").getText().contains("while you were away"));
            }
            byTestId(tab1, "inbox-read").click();
            // the mark reaches both tabs as "marked": the badge clears in the one that did nothing too
            for (WebDriver tab : List.of(tab1, tab2)) {
                new WebDriverWait(tab, LocalCloudExtension.WAIT)
                        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                        .until(d -> badge(d) == 0
                                && d.findElements(By.cssSelector("[data-testid='inbox-item'][data-read='true']"))
                                                .size()
                                        == 1);
            }
        } finally {
            tab1.quit();
            tab2.quit();
        }
    }

    static final String M1 = "01KAX3T8Y9ZC4Q2D7N6B5V8M1A";
    static final String M2 = "01KAX3T8Y9ZC4Q2D7N6B5V8M1B";
    static final String M3 = "01KAX3T8Y9ZC4Q2D7N6B5V8M1C";

    /** The ids of the messages shown, in the order shown; one script, so a re-render in between cannot stale it. */
    @SuppressWarnings("unchecked")
    static List<String> shownIds(WebDriver driver) {
        return (List<String>) ((JavascriptExecutor) driver)
                .executeScript("return [...document.querySelectorAll(\"#messages [data-testid='message']\")]"
                        + ".map(e => e.dataset.id || '');");
    }

    /**
     * Two history requests of one room in flight (the join's, and the rejoin's after a Leave), answered in
     * order: the first with the {@code not_member} its leave caused, the second with the page; a live message
     * newer than the page came first. Matched by requestId, the stale error is not shown and the page goes
     * before the live message; matched by room, the error was shown in the rejoined room and the page was
     * appended after the newer message. Against a scripted server (the page pointed at it with {@code ?ws=}):
     * the local cloud dispatches a connection's frames concurrently, so it cannot be made to answer in this
     * order.
     */
    @Test
    void twoHistoryRequestsOfOneRoom_inFlight_eachAnswerGoesToItsOwnRequest() throws Exception {
        WebDriver ann = browser();
        try (ScriptedServer server = new ScriptedServer(LocalCloudExtension.WAIT)) {
            ann.get(link("user=ann&room=lobby&ws=" + URLEncoder.encode(server.url(), StandardCharsets.UTF_8)));
            ScriptedServer.Received join = server.nextAction("join");
            Session socket = join.session();
            ScriptedServer.send(
                    socket,
                    Json.write(new ServerFrame.Presence("lobby", "join", "ann").withRequestId(join.requestId())));
            ScriptedServer.Received first = server.nextAction("history");

            // Leave, and join again while the first page is still in flight
            ann.findElement(By.id("leave")).click();
            server.nextAction("leave");
            byTestId(ann, "room").sendKeys("lobby");
            byTestId(ann, "join").click();
            ScriptedServer.Received rejoin = server.nextAction("join");
            ScriptedServer.send(
                    socket,
                    Json.write(new ServerFrame.Presence("lobby", "join", "ann").withRequestId(rejoin.requestId())));
            ScriptedServer.Received second = server.nextAction("history");
            // a live message, newer than the page to come
            ScriptedServer.send(socket, Json.write(new ServerFrame.Message("lobby", M3, "bob", "three", 3L)));
            ScriptedServer.send(
                    socket,
                    Json.write(new ServerFrame.Error(
                                    ErrorCode.NOT_MEMBER, "you are not in room 'lobby': join it first", "history")
                            .withRequestId(first.requestId())));
            ScriptedServer.send(
                    socket,
                    Json.write(new ServerFrame.History(
                                    "lobby",
                                    List.of(
                                            new ServerFrame.HistoryItem(M1, "bob", "one", 1L),
                                            new ServerFrame.HistoryItem(M2, "bob", "two", 2L)),
                                    false,
                                    null)
                            .withRequestId(second.requestId())));

            // frames of one socket are handled in order: once the page's messages are shown, the error was handled
            new WebDriverWait(ann, LocalCloudExtension.WAIT)
                    .until(d -> shownIds(d).containsAll(List.of(M1, M2, M3)));
            assertThat(shownIds(ann))
                    .as("the page before the newer live message")
                    .containsExactly(M1, M2, M3);
            assertThat(ann.findElement(By.id("messages")).getText())
                    .as("the error of the first visit's request is not shown in the second")
                    .doesNotContain("join it first");
            assertThat(first.requestId())
                    .as("each history request has its own requestId")
                    .isNotNull();
            assertThat(second.requestId()).isNotNull().isNotEqualTo(first.requestId());
        } finally {
            ann.quit();
        }
    }

    /**
     * A join the server refuses ({@code forbidden}: the token's rooms claim does not grant it) is matched to
     * its request by requestId: the room leaves the list and the error says which room, in the room the user
     * is in. Matched by type, the refused room stayed in the list, its frames waiting for a confirmation that
     * never comes.
     */
    @Test
    void aRefusedJoin_dropsTheRoom_andTheErrorNamesIt() throws Exception {
        WebDriver ivy = browser();
        try {
            ivy.get(link("room=page-granted"));
            byTestId(ivy, "name").sendKeys("ivy");
            ivy.findElement(By.cssSelector("#token-box summary")).click();
            ivy.findElement(By.id("token")).sendKeys(grantedOnly("ivy"));
            byTestId(ivy, "connect").click();
            awaitConnected(ivy);
            new WebDriverWait(ivy, LocalCloudExtension.WAIT)
                    .until(d -> d.findElement(By.id("messages")).getText().contains("ivy joined"));

            byTestId(ivy, "room").sendKeys("page-refused");
            byTestId(ivy, "join").click();

            new WebDriverWait(ivy, LocalCloudExtension.WAIT)
                    .ignoring(StaleElementReferenceException.class)
                    .until(d -> d.findElement(By.id("messages")).getText().contains("Could not join #page-refused"));
            assertThat(ivy.findElement(By.id("room-title")).getText()).isEqualTo("#page-granted");
            assertThat(ivy.findElement(By.id("rooms")).getText())
                    .contains("#page-granted")
                    .doesNotContain("page-refused");
        } finally {
            ivy.quit();
        }
    }

    /** A token allowed only {@code page-granted}: joining any other room but the public lobby is refused. */
    static String grantedOnly(String user) throws Exception {
        return TestTokens.sign(
                SECRET,
                TestTokens.claims(user, 600)
                        .claim("rooms", Map.of("page-granted", List.of("join", "send", "history"))));
    }

    /**
     * The first room refused: no room is left, and the page says so without making one up (an error with no
     * room to show it in was put in a "lobby" the page never joined, listed as if it had).
     */
    @Test
    void aRefusedFirstRoom_leavesNoRoom_andSaysSo() throws Exception {
        WebDriver jo = browser();
        try {
            jo.get(link("room=page-refused-first"));
            byTestId(jo, "name").sendKeys("jo");
            jo.findElement(By.cssSelector("#token-box summary")).click();
            jo.findElement(By.id("token")).sendKeys(grantedOnly("jo"));
            byTestId(jo, "connect").click();
            awaitConnected(jo);

            new WebDriverWait(jo, LocalCloudExtension.WAIT)
                    .ignoring(StaleElementReferenceException.class)
                    .until(d ->
                            d.findElement(By.id("messages")).getText().contains("Could not join #page-refused-first"));
            assertThat(jo.findElement(By.id("room-title")).getText()).isEqualTo("No room: join one");
            assertThat(jo.findElements(By.cssSelector("#rooms button"))).isEmpty();
        } finally {
            jo.quit();
        }
    }
}
