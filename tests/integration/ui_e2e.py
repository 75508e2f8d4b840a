#!/usr/bin/env python3
"""The contract console (/ui/) in a real browser, on pactumd and a real broker.

  ui_e2e.py --bin DIR --bootstrap-file FILE [--screenshots DIR] [--contracts N]

Debian's chromium, headless, driven by Selenium through Debian's chromedriver
(nothing is downloaded: the driver and the browser are named by path, and
Selenium Manager is told to stay offline). A person's path through the page:
sign in (a wrong token is refused), filter the list, open a contract, read its
figures (each equal to the API's), open an explanation (equal to the API's),
follow it to the timeline, change the as-of date (the figures become the
API's as of that instant), on a keyboard only, and on a phone-sized screen.
No page may log a browser error (a Content-Security-Policy violation is one).
"""
import argparse
import datetime
import decimal
import http.client
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch a driver or a browser
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from harness import Cluster, finish, log  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--bootstrap-file", required=True)
ap.add_argument("--screenshots", help="where to keep the main pages' screenshots (default: $TMPDIR/pactum-console-screenshots)")
ap.add_argument("--contracts", type=int, default=30)
ap.add_argument("--seed", type=int, default=11)
ap.add_argument("--chromium", default="/usr/bin/chromium")
ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
args = ap.parse_args()

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        log("FAIL:", what)
    return cond


for tool in (args.chromium, args.chromedriver):
    if not shutil.which(tool):
        log(f"FAIL: {tool} is missing (scripts/install-deps.sh installs chromium and chromium-driver)")
        sys.exit(1)

# --- pactumd on the broker, with a party's token and an admin's ---------------

cluster = Cluster(args.bin, args.bootstrap_file, "ui")
lines = cluster.generate(args.seed, args.contracts)
admin, party_token = "admin-console-token-0123456789", "party-console-token-0123456789"
offline = json.loads(subprocess.run([cluster.pactumctl, "replay", str(cluster.work / "log.jsonl")],
                                   capture_output=True, check=True).stdout)["contracts"]
party_id = offline[0]["client"]["id"]
tokens_file = cluster.work / "tokens"
tokens_file.write_text(f"{admin} admin\n{party_token} party:{party_id}\n")
instance = cluster.start("a", ["--api-tokens", str(tokens_file)])
cluster.produce(lines)
ok, expected, _ = cluster.wait_until_equal(time.time() + 300)
if not check(ok, "pactumd caught up with the events topic"):
    finish(failures, cluster.work)
port = instance.http_port()
base = f"http://127.0.0.1:{port}"


def api(target, token=admin):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", target, headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, (json.loads(body) if body else None)


# The views follower may trail the projection topic by a moment: the API
# answers with exactly the replay's views before the browser compares with it.
deadline = time.time() + 60
while time.time() < deadline and {c["contract_id"]: c for c in api("/v1/contracts?limit=500")[1]["contracts"]} != expected:
    time.sleep(0.5)
check({c["contract_id"]: c for c in api("/v1/contracts?limit=500")[1]["contracts"]} == expected,
      "the API serves the replay's views")


def money(text):
    return f"{decimal.Decimal(text):,}"


def when(text):
    return "—" if not text else re.sub(r"(\.000)?Z$", " UTC", text.replace("T", " ", 1))


def at_pointer(doc, pointer):
    for part in pointer.strip("/").split("/"):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


# The contract to read: in breach, with credits, breaches and invoices.
def richness(v):
    return (v["state"] == "in_breach", sum(decimal.Decimal(p["credit"]) > 0 for p in v["liability"]["periods"]),
            len(v["liability"]["breaches"]), len(v["settlement"]["invoices"]))


cid = max(expected, key=lambda k: richness(expected[k]))
log(f"reading contract {cid}: {richness(expected[cid])}")

# --- the browser ----------------------------------------------------------------

options = webdriver.ChromeOptions()
options.binary_location = args.chromium
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
          "--lang=en-US", "--no-first-run", "--disable-background-networking"]:
    options.add_argument(a)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service(args.chromedriver, log_output=str(cluster.work / "chromedriver.log")),
                          options=options)
shots = pathlib.Path(args.screenshots or pathlib.Path(tempfile.gettempdir()) / "pactum-console-screenshots")
shots.mkdir(parents=True, exist_ok=True)


def wait(cond, what, timeout=20):
    # A page re-rendering while the condition reads it (the next page replacing
    # the rows) is not yet the answer: ask again, as for an element not there.
    try:
        return WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: cond())
    except Exception as e:  # noqa: BLE001 - a timeout is the failure being reported
        check(False, f"{what} (waited {timeout} s: {type(e).__name__})")
        return None


def find(css):
    found = driver.find_elements(By.CSS_SELECTOR, css)
    return found[0] if found else None


def texts(css):
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]


def screenshot(name, full=True):
    """The page at 1280 px wide; full: as tall as the page."""
    if full:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(height + 140, 6000))
        time.sleep(0.3)
    driver.save_screenshot(str(shots / f"{name}.png"))
    driver.set_window_size(1280, 900)


def browser_errors():
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


# WCAG 2 contrast of every element's own text against the first opaque
# background behind it (SVG drawings left out: their labels are also in tables).
CONTRAST = """
const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
const rgba = (s) => s.match(/[\\d.]+/g).map(Number);
const behind = (el) => {
  for (; el; el = el.parentElement) {
    const c = rgba(getComputedStyle(el).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c;
  }
  return [255, 255, 255];
};
const low = [];
for (const el of document.querySelectorAll('body *')) {
  if (el.closest('svg') || !el.getClientRects().length) continue;
  if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
  const a = luminance(rgba(getComputedStyle(el).color)), b = luminance(behind(el));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < 4.5) low.push(el.tagName + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
}
return low;
"""


def contrast_ok(where):
    low = driver.execute_script(CONTRAST)
    check(not low, f"{where}: text below 4.5:1 contrast: {low[:5]}")


def figures_match(view, where):
    """Every figure button on the page shows the view's value at its path."""
    buttons = driver.find_elements(By.CSS_SELECTOR, "button.fig")
    check(buttons, f"{where}: the page has figures")
    bad = []
    for b in buttons:
        path = b.get_attribute("data-path")
        value = at_pointer(view, path)
        if isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value):
            shown = money(value)
        elif path.endswith("/pending") or path.endswith("/terminated"):
            shown = when(value.get("effective_at") or value.get("at"))
        elif "/grounds/" in path:
            shown = value["ground"].replace("_", " ")
        else:
            shown = value.get("breach_id") or value.get("invoice_id")
        if b.text != shown:
            bad.append((path, b.text, shown))
    check(not bad, f"{where}: figures differ from the API's: {bad[:3]}")
    return len(buttons)


try:
    # Sign in: a wrong token is refused and nothing is shown.
    driver.get(base + "/ui/")
    wait(lambda: find("#token"), "the sign-in form is shown")
    find("#token").send_keys("not-a-token-at-all-0000")
    find("#sign-in").click()
    wait(lambda: find("p.error") and "refused" in find("p.error").text, "a wrong token is refused with a message")
    check(find("#contracts") is None, "nothing is listed for a wrong token")
    refused = browser_errors()  # the 401 itself is logged by the browser; nothing else may be
    check(len(refused) == 1 and "401" in refused[0]["message"], f"only the refusal is logged: {refused}")

    # A party's token: its contracts only.
    find("#token").send_keys(party_token)
    find("#sign-in").click()
    wait(lambda: find("#contracts"), "a party's token lists contracts")
    own = api("/v1/contracts?limit=25", party_token)[1]["contracts"]
    check(texts("#contracts tbody tr td:first-child") == [c["contract_id"] for c in own],
          "the party sees exactly the API's page of its contracts")
    check(party_token not in driver.current_url, "the token is not in the URL")
    check(driver.execute_script("return sessionStorage.getItem('pactum.token')") == party_token,
          "the token is kept in sessionStorage")
    find("#sign-out").click()
    wait(lambda: find("#token"), "signing out asks for the token again")
    check(driver.execute_script("return sessionStorage.getItem('pactum.token')") is None, "signing out forgets the token")

    # The admin: the list, its filters and paging.
    find("#token").send_keys(admin)
    find("#sign-in").click()
    wait(lambda: find("#contracts"), "the admin's token lists contracts")
    page = api("/v1/contracts?limit=25")[1]
    check(texts("#contracts tbody tr td:first-child") == [c["contract_id"] for c in page["contracts"]],
          "the list is the API's first page")
    check(texts("#contracts tbody tr td:nth-child(4)") == [c["state"].replace("_", " ") for c in page["contracts"]],
          "each row shows its state")
    contrast_ok("the list")
    screenshot("contracts", full=False)
    if page["next_cursor"]:
        find("#next-page").click()
        second = api("/v1/contracts?limit=25&cursor=" + page["next_cursor"])[1]
        wait(lambda: texts("#contracts tbody tr td:first-child") == [c["contract_id"] for c in second["contracts"]],
             "the next page is the API's next page")
    Select(find("#filter-state")).select_by_value("in_breach")
    find("#filter-party").send_keys(expected[cid]["vendor"]["id"])
    find("#apply-filters").click()
    vendor = urllib.parse.quote(expected[cid]["vendor"]["id"])
    filtered = api(f"/v1/contracts?state=in_breach&party={vendor}&limit=25")[1]["contracts"]
    wait(lambda: find("#contracts") and texts("#contracts tbody tr td:first-child") == [c["contract_id"] for c in filtered],
         "the filtered list is the API's, state and party")
    check(all(t == "in breach" for t in texts("#contracts tbody tr td:nth-child(4)")), "the filter holds")

    # A contract: every figure is the API's, the diagram marks its state.
    driver.find_element(By.LINK_TEXT, cid).click()
    wait(lambda: find("#facts"), "the contract opens")
    status, view = api(f"/v1/contracts/{cid}")
    check(find("#contract-id").text == cid, "its id is the heading")
    check(find("h1 .badge").text == view["state"].replace("_", " "), "its state is shown")
    current = driver.find_elements(By.CSS_SELECTOR, "#diagram g.node.current title")
    check([e.get_attribute("textContent") for e in current] == [view["state"]],
          "the diagram highlights the current state, and only it")
    facts = find("#facts").text
    check(view["client"]["name"] in facts and view["vendor"]["id"] in facts, "the parties are shown")
    count = figures_match(view, "latest")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#grounds tbody tr")) == len(view["termination"]["grounds"]),
          "every termination ground is a row")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#periods tbody tr")) == len(view["liability"]["periods"]),
          "every period is a row")
    check(len(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect")) > 0, "the liability chart has bars")
    log(f"{count} figures equal the API's")
    contrast_ok("a contract")
    screenshot("contract")

    # An explanation: the API's sentence and records.
    explain = api(f"/v1/contracts/{cid}/explain")[1]
    by_path = {f["path"]: f for f in explain["figures"]}
    credited = [i for i, p in enumerate(view["liability"]["periods"]) if decimal.Decimal(p["credit"]) > 0]
    path = f"/liability/periods/{credited[0] if credited else 0}/credit"
    find(f"button.fig[data-path='{path}']").click()
    wait(lambda: find("#explanation-because"), "the explanation opens")
    because = by_path[path]["because"]
    check(find("#explanation-because").text == because[0].upper() + because[1:] + ".",
          "the explanation's sentence is the API's")
    records = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#explanation-records li code:first-of-type")]
    check(records == [r["id"] for r in by_path[path]["basis"]], "the explanation names the API's records")
    screenshot("explanation", full=False)

    # Its first record, on the timeline.
    basis = by_path[path]["basis"]
    if check(basis, f"{path} has records behind it"):
        driver.find_element(By.CSS_SELECTOR, "#explanation-records a.record-link").click()
        wait(lambda: find("#timeline"), "the record link opens the timeline")
        timeline = api(f"/v1/contracts/{cid}/timeline?limit=500")[1]["records"]
        check(texts("#timeline tbody tr td:nth-child(5)") == [r["id"] for r in timeline],
              "the timeline lists the API's records in order")
        check(texts("#timeline tbody tr td:nth-child(6)") == [r["outcome"] for r in timeline], "with their outcomes")
        highlighted = driver.find_elements(By.CSS_SELECTOR, "#timeline tr.highlight")
        check(len(highlighted) == 1 and highlighted[0].get_attribute("data-record") == basis[0]["id"],
              "the record is highlighted")
        contrast_ok("the timeline")
        screenshot("timeline", full=False)
        driver.back()
        wait(lambda: find("#facts"), "back to the contract")

    # As of an instant: the date picker, then the API's view as of it.
    timeline = api(f"/v1/contracts/{cid}/timeline?limit=500")[1]["records"]
    accepted = [r for r in timeline if r["outcome"] == "accepted"]
    day = accepted[len(accepted) // 2]["time"][:10]
    as_of = f"{day}T23:59:59.999Z"  # what the page asks for when the time is left empty
    driver.execute_script("arguments[0].value = arguments[1]", find("#asof-date"), day)
    find("#asof-time").send_keys("")  # empty: the end of the day
    find("#asof-apply").click()
    wait(lambda: find("#asof-shown") and day in find("#asof-shown").text, "the page is re-rendered as of the date")
    status, then = api(f"/v1/contracts/{cid}?as_of=" + urllib.parse.quote(as_of))
    check(status == 200 and then["version"] < view["version"], f"the API has an earlier view as of {as_of}")
    figures_match(then, f"as of {day}")
    if then["termination"]["grounds"] and not then["termination"]["terminated"]:
        g = then["termination"]["grounds"][0]
        end = datetime.datetime.fromisoformat(day) + datetime.timedelta(days=g["notice_days"], seconds=86399)
        expected_effective = end.strftime("%Y-%m-%d %H:%M:%S") + ".999 UTC"
        check(texts("#grounds td.effective")[0] == expected_effective,
              f"a notice served then takes effect {g['notice_days']} days later: {texts('#grounds td.effective')[:1]}")
    check("as_of=" in driver.current_url and admin not in driver.current_url, "the instant is in the URL, the token is not")
    screenshot("contract-as-of", full=False)
    find("#timeline-link").click()
    wait(lambda: find("#timeline-as-of"), "the timeline opens from the as-of page, saying so")
    instant = datetime.datetime.fromisoformat(as_of)
    after = [r["id"] for r in timeline if r.get("time") and datetime.datetime.fromisoformat(r["time"]) > instant]
    check([e.get_attribute("data-record") for e in driver.find_elements(By.CSS_SELECTOR, "#timeline tr.later")] == after,
          f"the records after the instant are marked ({len(after)})")
    driver.back()
    wait(lambda: find("#asof-shown") and day in find("#asof-shown").text, "back to the contract as of the date")
    find("#asof-latest").click()
    wait(lambda: "latest" in find("#asof-shown").text, "Latest returns to the current view")

    # The keyboard alone: Tab to a figure, Enter opens its explanation, Escape closes it.
    body = driver.find_element(By.TAG_NAME, "body")
    target = driver.find_elements(By.CSS_SELECTOR, "button.fig")[0]
    for _ in range(80):
        if driver.switch_to.active_element == target:
            break
        driver.switch_to.active_element.send_keys(Keys.TAB)
    check(driver.switch_to.active_element == target, "a figure is reachable with Tab")
    target.send_keys(Keys.ENTER)
    wait(lambda: find("#explanation[open]") and find("#explanation-because"), "Enter opens the explanation")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(lambda: find("#explanation[open]") is None, "Escape closes it")

    # Landmarks, labels, names.
    check(find("main") and find("header nav") and find("a.skip"), "landmarks and a skip link")
    unlabelled = driver.execute_script(
        "return [...document.querySelectorAll('input, select')].filter(e => !e.labels || !e.labels.length).length")
    check(unlabelled == 0, "every input has a label")
    nameless = driver.execute_script(
        "return [...document.querySelectorAll('button, a')].filter(e => !(e.getAttribute('aria-label') || e.textContent.trim())).length")
    check(nameless == 0, "every button and link has a name")

    # A phone: the page does not scroll sideways (wide tables scroll in their own box).
    driver.set_window_size(390, 844)
    driver.refresh()
    wait(lambda: find("#facts"), "the contract opens on a phone-sized screen")
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check(overflow <= 1, f"nothing overflows the phone's width ({overflow} px)")
    driver.save_screenshot(str(shots / "contract-phone.png"))
    driver.set_window_size(1280, 900)

    errors = browser_errors()
    check(not errors, f"no browser errors (CSP violations included): {errors[:3]}")
finally:
    driver.quit()
    instance.proc.terminate()
    instance.proc.wait(timeout=30)

log(f"screenshots in {shots}")
finish(failures, cluster.work)
