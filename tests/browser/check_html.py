"""Opens an llmlog HTML report in headless Chromium with the network off and reports, as JSON,
what a person would see: console errors, requests made, the headline figures, the figures after a
click on a model and after choosing a date range. Used by tests/html.rs.

usage: check_html.py REPORT.html MODEL FROM TO SCREENSHOT.png
"""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

path, model, day_from, day_to, shot = sys.argv[1:6]

opts = webdriver.ChromeOptions()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1280,1800", "--host-resolver-rules=MAP * ~NOTFOUND"):
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
out = {}
try:
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    driver.get("file://" + path)
    kpi = lambda: {k: driver.find_element(By.ID, "kpi-" + k).text for k in ("cost", "calls", "avg", "success")}
    out["initial"] = kpi()
    out["resources"] = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    # A click on the model's row filters every panel to its calls.
    row = driver.find_element(By.CSS_SELECTOR, f"#t-model tr[title^='{model}:']")
    row.click()
    out["model"] = kpi()
    out["type_calls_after_model"] = driver.execute_script(
        "return [...document.querySelectorAll('#t-type tbody tr')].map(r => r.children[1].textContent)")
    out["chips"] = driver.find_element(By.ID, "chips").text
    driver.find_element(By.ID, "reset").click()
    # A date range.
    driver.execute_script(
        "const f = document.getElementById('from'), t = document.getElementById('to');"
        "f.value = arguments[0]; f.dispatchEvent(new Event('change'));"
        "t.value = arguments[1]; t.dispatchEvent(new Event('change'));", day_from, day_to)
    out["range"] = kpi()
    # Sorting a table by calls.
    driver.find_element(By.CSS_SELECTOR, "#t-model th[data-sort='calls']").click()
    out["sorted_first"] = driver.find_element(By.CSS_SELECTOR, "#t-model tbody tr td").text
    driver.save_screenshot(shot)
    out["console"] = [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
finally:
    driver.quit()
print(json.dumps(out))
