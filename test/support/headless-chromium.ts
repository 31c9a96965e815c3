import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's chromium (apt-get install -y chromium, as .ci/run does), or CDS_CHROMIUM: no browser is downloaded. */
export const CHROMIUM = process.env.CDS_CHROMIUM ?? "/usr/bin/chromium";

/** Whether the browser tests can run here. */
export const hasChromium = existsSync(CHROMIUM);

/** Warns, once per file that calls it, that its browser tests (`what`) are skipped for want of chromium. */
export function warnIfNoChromium(what: string): void {
  if (!hasChromium) console.warn(`no chromium at ${CHROMIUM} (apt-get install -y chromium, or set CDS_CHROMIUM): skipping ${what}`);
}

/** Headless chromium with nothing in the background (no updates, sync or first-run pages) to disturb a test. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}
