"""The kiosk and the calling display in a real Chromium against a real server (Q1, Q3, Q4):
the kiosk fits a landscape and a portrait kiosk screen with every button visible and no staff
bar; the slip prints itself once and its print layout is one 80 mm page with the QR code; the
customer's "my ticket" page follows the call; the display fits three screen sizes in both
languages with nothing cut off, welcomes before the first call with the counts per service
type, follows the counts and the manager's notice live, and announces every call and recall."""

import re

import pytest

from tests.e2e.test_hall_day_browser import SPEECH_SPY, browser, signed_in  # noqa: F401
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e

STANDARD_PHONE = "13900000017"  # the demo's standard customer
LONG_NOTICE = (
    "温馨提示：本厅今日17:00后暂停办理携号转网业务；宽带报装请携带身份证原件；"
    "5G套餐优惠活动本周日截止，详情请咨询大堂经理。Number portability pauses after 17:00 today."
)

# Every visible element inside the viewport, no scrolling, no text clipped inside a box that
# hides overflow — except the notice line's text, which scrolls by design when it is long.
LAYOUT_PROBLEMS = """() => {
  const W = innerWidth, H = innerHeight, de = document.documentElement, bad = [];
  if (de.scrollHeight > H + 1 || de.scrollWidth > W + 1)
    bad.push(`page scrolls: ${de.scrollWidth}x${de.scrollHeight}`);
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(".notice-track") || ["SCRIPT", "TITLE", "path"].includes(el.tagName)) continue;
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if ((!r.width && !r.height) || cs.visibility === "hidden") continue;
    const name = el.tagName + (el.id ? "#" + el.id : "") + "." + el.className;
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1)
      bad.push(`${name} outside: ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)}`);
    const clips = cs.overflowX !== "visible" || cs.overflowY !== "visible";
    if (clips && !el.classList.contains("notice-window") &&
        (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
      bad.push(`${name} clipped: ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
  }
  return bad;
}"""

BUTTONS_OFF_SCREEN = """() => {
  const W = innerWidth, H = innerHeight, de = document.documentElement;
  const bad = [...document.querySelectorAll("button.service-btn")].filter(b => {
    const r = b.getBoundingClientRect();
    return r.top < 0 || r.left < 0 || r.bottom > H || r.right > W || !r.height;
  }).map(b => b.textContent.trim());
  if (de.scrollHeight > H + 1) bad.push(`page scrolls to ${de.scrollHeight}`);
  return bad;
}"""

SIZES = [(1366, 768), (1920, 1080), (1080, 1920)]


def test_q1_q4_kiosk_slip_my_ticket_and_display_in_the_browser(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        # ---- kiosk (device account): no staff bar; every button on screen at both sizes
        kiosk = signed_in(browser, base, "kiosk")
        kiosk.context.add_init_script(
            "window.__prints = 0; window.print = () => window.__prints++;"
        )
        kiosk.context.add_init_script(SPEECH_SPY)
        for w, h in [(1366, 768), (1080, 1920)]:
            kiosk.set_viewport_size({"width": w, "height": h})
            kiosk.goto(base + "/kiosk/chengdong/")
            expect(kiosk.locator(".topbar")).to_have_count(0)
            expect(kiosk.locator("form[action='/logout/']")).to_have_count(0)
            assert kiosk.locator("a[href]").count() == 0  # no way off the kiosk page
            assert kiosk.locator("button.service-btn").count() >= 5
            assert kiosk.evaluate(BUTTONS_OFF_SCREEN) == [], (w, h)

        # ---- a ticket with a number: the slip prints itself once, 80 mm, one page, a QR code
        kiosk.set_viewport_size({"width": 1366, "height": 768})
        kiosk.goto(base + "/kiosk/chengdong/")
        kiosk.fill("#phone", STANDARD_PHONE)
        kiosk.click("button.service-btn[value=payment]")
        number = kiosk.locator("#ticket").get_attribute("data-number")
        token = kiosk.locator("#ticket").get_attribute("data-print")
        expect(kiosk.locator("#slip-qr svg path")).to_have_count(1)
        kiosk.wait_for_function("window.__prints === 1")
        kiosk.emulate_media(media="print")
        assert not kiosk.locator("#again").is_visible()  # only the slip is printed
        width = kiosk.evaluate("document.getElementById('ticket').getBoundingClientRect().width")
        assert abs(width - 72 / 25.4 * 96) < 2  # 72 mm printable on 80 mm paper
        pdf = kiosk.pdf(width="80mm", prefer_css_page_size=True, print_background=True)
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
        kiosk.emulate_media(media="screen")
        assert kiosk.evaluate("window.__prints") == 1

        # ---- the customer's page on a phone, no sign-in
        phone_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        mine = phone_ctx.new_page()
        mine.goto(f"{base}/t/{token}/")
        expect(mine.locator("#mt-number")).to_have_text(number)
        expect(mine.locator("#mt-status")).to_have_text("等候中")
        assert STANDARD_PHONE[-4:] not in mine.content()
        assert mine.evaluate("document.documentElement.scrollWidth") <= 390

        # ---- the display (device account): welcome and counts before the first call
        display = kiosk.context.new_page()
        display.set_viewport_size({"width": 1366, "height": 768})
        display.goto(base + "/display/chengdong/")
        expect(display.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(display.locator("#welcome")).to_be_visible()
        expect(display.locator("#waiting li[data-type=payment] .w-n")).to_have_text("1")
        expect(display.locator("#welcome-total")).to_have_text("1")
        display.click("#voice")

        # the manager writes a long notice on the board: the display shows it live, scrolling
        board = signed_in(browser, base, "chenjing")
        board.goto(base + "/board/chengdong/")
        board.fill("#notice", LONG_NOTICE)
        board.click("#save-notice")
        expect(display.locator("#notice-text")).to_have_text(LONG_NOTICE, timeout=3000)
        expect(display.locator("#notice")).to_be_visible()
        expect(display.locator("#notice-text")).to_have_class(re.compile("scrolling"))

        # a second payment ticket: the count follows live, without a reload
        display.evaluate("window.__same = true")
        issuer = kiosk.context.new_page()
        issuer.goto(base + "/kiosk/chengdong/")
        issuer.click("button.service-btn[value=payment]")
        expect(display.locator("#waiting li[data-type=payment] .w-n")).to_have_text("2")
        expect(display.locator("#welcome-total")).to_have_text("2")
        assert display.evaluate("window.__same") is True

        def check_sizes(state):
            for lang in ("zh-hans", "en"):
                kiosk.context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
                for w, h in SIZES:
                    display.set_viewport_size({"width": w, "height": h})
                    display.goto(base + "/display/chengdong/")
                    expect(display.locator(state)).to_be_visible()
                    expect(display.locator("#notice")).to_be_visible()
                    assert display.evaluate(LAYOUT_PROBLEMS) == [], (state, lang, w, h)
            kiosk.context.add_cookies(
                [{"name": "django_language", "value": "zh-hans", "url": base}]
            )

        check_sizes("#welcome")

        # ---- calls: shown, announced, and the customer's page follows
        display.set_viewport_size({"width": 1366, "height": 768})
        display.goto(base + "/display/chengdong/")
        expect(display.locator("#live-state")).to_have_attribute("data-state", "live")
        display.click("#voice")
        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/workbench/")
        clerk.click("button[data-counter='1号窗口']")
        clerk.click("#call-next")
        expect(display.locator("#latest-number")).to_have_text(number, timeout=2000)
        expect(display.locator("#calling")).to_be_visible()
        expect(display.locator("#welcome")).to_be_hidden()
        expect(display.locator("#waiting li[data-type=payment] .w-n")).to_have_text("1")
        said = "请 " + " ".join(number) + " 号 到 1号窗口 办理"
        display.wait_for_function("window.__spoken.filter(s => s.text.trim()).length === 2")
        spoken = display.evaluate("window.__spoken.filter(s => s.text.trim())")
        assert spoken == [{"text": said, "lang": "zh-CN"}] * 2

        check_sizes("#calling")  # (meanwhile the customer's page polls)

        # the customer's page has refreshed by itself (every 10 s) and says where to go
        expect(mine.locator("#mt-status")).to_have_text("请到1号窗口办理", timeout=12_000)
        expect(mine.locator("#mt-cancel")).to_have_count(0)

        # a recall and the next call are announced too
        display.set_viewport_size({"width": 1366, "height": 768})
        display.goto(base + "/display/chengdong/")
        expect(display.locator("#live-state")).to_have_attribute("data-state", "live")
        display.evaluate("window.__spoken = []")
        display.click("#voice")
        clerk.click("#recall")
        display.wait_for_function("window.__spoken.filter(s => s.text.trim()).length === 2")
        spoken = display.evaluate("window.__spoken.filter(s => s.text.trim())")
        assert spoken == [{"text": said, "lang": "zh-CN"}] * 2
        clerk.click("#start")
        clerk.select_option("#category", "bill-pay")
        clerk.click("#finish")
        clerk.click("#call-next")
        second = clerk.locator("#current .ticket-number").inner_text()
        expect(display.locator("#latest-number")).to_have_text(second, timeout=2000)
        display.wait_for_function("window.__spoken.filter(s => s.text.trim()).length === 4")
        last = display.evaluate("window.__spoken.filter(s => s.text.trim()).pop()")
        assert last == {"text": "请 " + " ".join(second) + " 号 到 1号窗口 办理", "lang": "zh-CN"}
