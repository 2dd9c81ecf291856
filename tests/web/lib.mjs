// Helpers of the browser tests: a development ledgerd started on a free port, records signed
// by its development agency and submitted, and pages of Debian's chromium (headless, driven by
// playwright-core) that fail a test on any request to another host and on any console error.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const ledgerd = process.env.LEDGERD;
export const ctl = process.env.LEDGERCTL;
export const screenshots = process.env.SCREENSHOTS;
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

// A development ledgerd in a fresh directory, and a browser: {base, work, data, browser,
// openPage, submit, stop}.
export async function startLedger() {
  assert.ok(ledgerd && ctl, "LEDGERD and LEDGERCTL name the binaries");
  const work = mkdtempSync(join(tmpdir(), "credledger-web-"));
  const data = join(work, "data");
  const { node, base } = await startNode(["--dev", "--data-dir", data]);
  const nodes = [node];
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });

  // A page that records requests to another host, console errors (a CSP violation is one)
  // and page errors in `problems`.
  async function openPage(options = {}) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const problems = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith("data:") &&
          !request.url().startsWith("blob:")) {
        problems.push(`a request to another host: ${request.url()}`);
      }
    });
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    return { page, problems, context };
  }

  // Signs `entry` (an object) with development key `key` (a file in dev-keys) and submits
  // it; returns the receipt.
  async function submit(entry, key = "sz-amr.pem") {
    const template = join(work, `entry-${Date.now()}-${Math.random()}.json`);
    writeFileSync(template, JSON.stringify(entry));
    const signed = execFileSync(ctl, ["sign", "--key", join(data, "dev-keys", key), template]);
    const answer = await fetch(`${base}/v1/entries`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: signed,
    });
    const receipt = await answer.text();
    assert.equal(answer.status, 201, receipt);
    return JSON.parse(receipt);
  }

  // The development ledger's sample entry of `type` (dev-keys/example-<type>.json).
  function example(type) {
    return JSON.parse(readFileSync(join(data, "dev-keys", `example-${type}.json`), "utf8"));
  }

  // A follower of this node (ledgerd --follow) in its own directory: its URL.
  async function startFollower() {
    const vkey = (await (await fetch(`${base}/v1/node`)).json()).verifier_key;
    const follower = await startNode(["--follow", base, "--follow-key", vkey, "--follow-poll-ms", "50",
                                      "--data-dir", join(work, `follower-${nodes.length}`)]);
    nodes.push(follower.node);
    return follower.base;
  }

  // Stops what this started (each node by its process), once they have exited.
  async function stop() {
    await browser.close();
    await Promise.all(nodes.map(async (n) => {
      if (n.exitCode !== null || n.signalCode !== null) return;
      const exited = new Promise((resolve) => n.once("exit", resolve));
      n.kill("SIGTERM");
      await exited;
    }));
    rmSync(work, { recursive: true, force: true });
  }

  return { base, work, data, browser, openPage, submit, example, startFollower, stop };
}

// Starts ledgerd with `args` on a free port: {node (the process), base (its URL)} once it
// serves.
async function startNode(args) {
  const node = spawn(ledgerd, [...args, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  const base = await new Promise((resolve, reject) => {
    let log = "";
    node.stderr.on("data", (chunk) => {
      log += chunk;
      const url = /url="(http:\/\/[0-9.:]+)"/.exec(log);
      if (url) resolve(url[1]);
    });
    node.on("exit", (code) => reject(new Error(`ledgerd exited (${code}): ${log}`)));
  });
  return { node, base };
}

// Drops file `path` on `page`'s body as a person drags one from the desktop (a drop event
// whose DataTransfer holds the file).
export async function dropFile(page, path, type = "application/octet-stream") {
  const b64 = readFileSync(path).toString("base64");
  const name = path.split("/").pop();
  const dataTransfer = await page.evaluateHandle(({ b64, name, type }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type }));
    return transfer;
  }, { b64, name, type });
  await page.dispatchEvent("body", "dragover", { dataTransfer });
  await page.dispatchEvent("body", "drop", { dataTransfer });
}
