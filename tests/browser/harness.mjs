// What the browser tests stand on: `odb demo` on a free port with a private
// data directory, Debian's chromium driven by Playwright, TOTP codes computed
// as an authenticator app does, and axe-core for accessibility.

import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, "..", "..");

/** The odb binary: $ODB_BIN, or the one `cargo build` made. */
function odbBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
  const binary = process.env.ODB_BIN ?? join(target, "debug", "odb");
  if (!existsSync(binary)) {
    throw new Error(`no odb binary at ${binary}: run \`cargo build\` first (or set ODB_BIN)`);
  }
  return binary;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `odb demo` on a free port with its own data directory, until stopped. */
export async function startDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), "odb-portal-"));
  const port = await freePort();
  const child = spawn(odbBinary(), ["demo"], {
    env: {
      ...process.env,
      ODB_BIND: `127.0.0.1:${port}`,
      ODB_DATA_DIR: join(dataDir, "var"),
      ODB_LOG: "warn",
      ODB_WORKERS: "2",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`odb demo did not start within 180 s:\n${output}`)),
      180_000,
    );
    const read = (chunk) => {
      output += chunk;
      if (output.includes("ODB listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`odb demo exited with ${code}:\n${output}`));
    });
  });
  await listening;
  const accounts = JSON.parse(readFileSync(join(dataDir, "var", "demo-accounts.json"), "utf8"));
  return {
    base: `http://127.0.0.1:${port}`,
    account: (name) => accounts.find((a) => a.username === name),
    async stop() {
      child.removeAllListeners("exit");
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium, headless, with a fresh profile: Playwright's launch()
 *  gives every browser a new temporary --user-data-dir of its own (and
 *  refuses one in `args`), and each context below is a separate cookie jar. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

function base32(secret) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) {
    const value = alphabet.indexOf(c);
    if (value < 0) throw new Error("not base32");
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code an authenticator app shows (RFC 6238: SHA-1, 6 digits, 30 s). */
export function totp(secret, at = Date.now()) {
  const step = Math.floor(at / 1000 / 30);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(number).padStart(6, "0");
}

/** A code of a time step not used before (a code is accepted once). */
export async function freshCode(secret, used) {
  for (;;) {
    const step = Math.floor(Date.now() / 30_000);
    if (!used.has(`${secret}:${step}`)) {
      used.add(`${secret}:${step}`);
      return totp(secret);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** "Nguyễn Văn Đức" -> "nguyen van duc", as a person types without diacritics. */
export function fold(text) {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .toLowerCase();
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's WCAG 2.1 A/AA violations on the page (the script is injected
 *  through the DevTools protocol, which the page's CSP does not govern). */
export async function accessibilityViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
  }));
}
