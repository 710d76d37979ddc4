#!/usr/bin/python3
"""Drives Debian's headless chromium through the review station, as a QA person would.

Signs in, opens the review queue, presses "d" (defect), paints one stroke across the
canvas over the image, presses "s" (save), and waits for the queue to serve the next
image. Then saves screenshots of the verdict list, a detail page and the charts page.
Prints "labelled <id>" for the test, which checks the label and mask in the database.

Usage: browser_check.py URL USER PASSWORD SCREENSHOT_DIR
"""
import os
import re
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def main():
    url, user, password, shots = sys.argv[1:5]
    os.makedirs(shots, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000", "--user-data-dir=" + os.path.join(shots, ".profile")):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 20)
    try:
        driver.get(url + "/login?next=/queue")
        driver.find_element(By.NAME, "user").send_keys(user)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form.login button").click()
        wait.until(EC.presence_of_element_located((By.ID, "label-form")))
        heading = driver.find_element(By.TAG_NAME, "h1").text
        served = int(re.search(r"inspection (\d+)", heading).group(1))
        # The canvas is sized once the image has loaded.
        wait.until(lambda d: d.execute_script("return document.getElementById('mask').width > 0"))
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys("d")
        canvas = driver.find_element(By.ID, "mask")
        width, height = canvas.size["width"], canvas.size["height"]
        actions = ActionChains(driver)
        actions.move_to_element_with_offset(canvas, -width // 4, -height // 4).click_and_hold()
        for step in range(1, 11):
            actions.move_by_offset(width // 20, height // 20)
        actions.release().perform()
        if not driver.execute_script("return document.querySelector('input[name=kind][value=defect]').checked"):
            raise SystemExit("the d key did not select defect")
        driver.save_screenshot(os.path.join(shots, "queue-painted.png"))
        body.send_keys("s")
        wait.until(lambda d: ("inspection %d" % served) not in d.find_element(By.TAG_NAME, "h1").text)
        print("labelled %d" % served, flush=True)

        driver.get(url + "/")
        wait.until(EC.presence_of_element_located((By.ID, "verdicts")))
        wait.until(lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('img.thumb')).every(i => i.complete && i.naturalWidth > 0)"))
        driver.save_screenshot(os.path.join(shots, "list.png"))
        driver.get(url + "/inspection/%d" % served)
        wait.until(lambda d: d.execute_script("return document.getElementById('original').complete"))
        driver.save_screenshot(os.path.join(shots, "detail.png"))
        driver.get(url + "/charts")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "svg.chart")))
        driver.save_screenshot(os.path.join(shots, "charts.png"))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
