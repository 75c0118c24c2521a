// The web app's one signing module (bundled with esbuild into gateway/web/static/signer.js; `npm run build:web`).
// Keys never leave the page: a browser wallet (EIP-1193 window.ethereum) signs, or a keystore file is decrypted
// here in memory. The gateway only ever sees signatures and signed transactions.
import { BrowserProvider, Transaction, Wallet } from "ethers";

let signer = null;
let token = null;

const $ = (id) => document.getElementById(id);

function say(text, isError = false) {
  const status = $("status");
  if (!status) return;
  status.textContent = text;
  status.classList.toggle("error", isError);
}

async function call(method, path, body) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = Array.isArray(data.detail) ? data.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`) : [];
    throw new Error(detail.join("; ") || `${method} ${path} answered ${response.status}`);
  }
  return data;
}

async function signIn() {
  const address = await signer.getAddress();
  const n = await call("GET", "/v1/auth/nonce");
  const message = [
    `${n.domain} wants you to sign in with your Ethereum account:`, address, "",
    "Sign in to the SCF ledger gateway.", "",
    `URI: ${n.uri}`, `Version: ${n.version}`, `Chain ID: ${n.chain_id}`, `Nonce: ${n.nonce}`,
    `Issued At: ${new Date().toISOString()}`,
  ].join("\n");
  const signature = await signer.signMessage(message);
  const login = await call("POST", "/v1/auth/login", { message, signature });
  token = login.access_token;
  say(`Signed in as ${address} (${login.roles.join(", ")})`);
  $("signin").hidden = true;
  $("workspace").hidden = false;
  $("whoami").textContent = `${address} — ${login.roles.join(", ")}`;
  $("whoami").title = address;
  refresh();
  follow();
}

// live updates: the page reads /v1/stream (server-sent events of the party's events as they are indexed) with
// fetch, which can carry the bearer token, and re-renders the panel when something arrives; it reconnects
// after each bounded connection, resuming after the last event seen
let lastEventId = null;
let refreshTimer = null;

async function follow() {
  for (;;) {
    try {
      const headers = { authorization: `Bearer ${token}` };
      if (lastEventId) headers["last-event-id"] = lastEventId;
      const response = await fetch("/v1/stream", { headers });
      if (response.status === 401) return;
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const blocks = buffer.split("\n\n");
        buffer = blocks.pop();
        for (const block of blocks) {
          const id = block.split("\n").find((line) => line.startsWith("id: "));
          if (id) {
            lastEventId = id.slice(4);
            clearTimeout(refreshTimer);
            refreshTimer = setTimeout(refreshUnlessEditing, 200);
          }
        }
      }
    } catch (err) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

// re-render the page the user is on (each page names its own address in #view's data-src)
function currentSrc() {
  return document.getElementById("view")?.dataset.src || "/web/panel";
}

// While the user is filling a form or ticking rows on the page, news from the stream does not re-render it (that
// would throw the input away): the page says so and re-renders after the user's next action or page change.
let editing = false;

function refreshUnlessEditing() {
  if (!editing) return refresh();
  say("New activity on the ledger: this page updates after your action.");
}

document.addEventListener("input", (event) => {
  if ($("panel")?.contains(event.target)) editing = true;
});

document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target?.id === "panel") {
    editing = false;
  }
});

function refresh() {
  const src = currentSrc();
  window.htmx.ajax("GET", src, { target: "#panel", swap: "innerHTML", headers: { "X-Scf-Refresh-Of": src } });
}

// A re-render answers for the page it was asked for: if the user moved to another page meanwhile, it is dropped
// rather than swapped over the page now shown (a stream event arriving just as a navigation link is followed).
document.addEventListener("htmx:beforeSwap", (event) => {
  const asked = event.detail.requestConfig?.headers?.["X-Scf-Refresh-Of"];
  if (asked !== undefined && asked !== currentSrc()) event.detail.shouldSwap = false;
});

// "1,234.56" -> "123456" (cents, as a decimal string: no float on the way)
function toUnits(text) {
  const clean = String(text).replace(/[,\s]/g, "");
  const match = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(clean);
  if (!match) throw new Error(`${text} is not an amount (e.g. 1,234.56)`);
  return (BigInt(match[1]) * 100n + BigInt((match[2] || "").padEnd(2, "0"))).toString();
}

export async function signInWithWallet() {
  try {
    if (!window.ethereum) throw new Error("no browser wallet found (window.ethereum)");
    const provider = new BrowserProvider(window.ethereum);
    await provider.send("eth_requestAccounts", []);
    signer = await provider.getSigner();
    await signIn();
  } catch (err) {
    say(`Sign-in failed: ${err.message}`, true);
  }
}

export async function signInWithKeystore(file, password) {
  try {
    if (!file) throw new Error("choose your keystore file");
    say("Decrypting the keystore in this page…");
    signer = await Wallet.fromEncryptedJson(await file.text(), password);
    await signIn();
  } catch (err) {
    say(`Sign-in failed: ${err.message}`, true);
  }
}

async function signRaw(tx) {
  const fields = {
    type: tx.type, to: tx.to, data: tx.data, value: BigInt(tx.value), gasLimit: BigInt(tx.gas), nonce: tx.nonce,
    chainId: BigInt(tx.chainId),
    ...(tx.type === 2
      ? { maxFeePerGas: BigInt(tx.maxFeePerGas), maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas) }
      : { gasPrice: BigInt(tx.gasPrice) }),
  };
  if (signer instanceof Wallet) return { raw: await signer.signTransaction(Transaction.from(fields)) };
  // a browser wallet: eth_signTransaction where it has it; the gateway relays the bytes
  const { from, ...rest } = { from: tx.from, ...fields };
  const request = { from, to: rest.to, data: rest.data, gas: "0x" + rest.gasLimit.toString(16),
    nonce: "0x" + rest.nonce.toString(16), value: "0x0", chainId: "0x" + rest.chainId.toString(16) };
  if (tx.type === 2) {
    request.maxFeePerGas = "0x" + rest.maxFeePerGas.toString(16);
    request.maxPriorityFeePerGas = "0x" + rest.maxPriorityFeePerGas.toString(16);
    request.type = "0x2";
  } else {
    request.gasPrice = "0x" + rest.gasPrice.toString(16);
  }
  try {
    return { raw: await window.ethereum.request({ method: "eth_signTransaction", params: [request] }) };
  } catch (err) {
    // wallets without eth_signTransaction (MetaMask) send it themselves; the page then follows the hash
    const unsupported = err.code === 4200 || err.code === -32601 || /not (supported|exist)/i.test(err.message || "");
    if (!unsupported) throw err;
    const { nonce, chainId, type, ...send } = request;
    return { hash: await window.ethereum.request({ method: "eth_sendTransaction", params: [send] }) };
  }
}

let pending = null;

// prepare -> show the summary -> (the user confirms) -> sign here -> submit -> follow until indexed
export async function act(action, params) {
  try {
    say(`Preparing ${action}…`);
    const prepared = await call("POST", "/v1/tx/prepare", { action, params });
    const dialog = $("confirm");
    $("confirm-summary").replaceChildren(...prepared.summary.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }));
    const problem = $("confirm-error");
    problem.textContent = prepared.would_revert ? `This would fail now: ${prepared.would_revert.message}` : "";
    $("confirm-sign").disabled = Boolean(prepared.would_revert);
    pending = prepared;
    dialog.showModal();
    (prepared.would_revert ? $("confirm-cancel") : $("confirm-sign")).focus();
  } catch (err) {
    say(`${action}: ${err.message}`, true);
  }
}

export async function signPending() {
  const prepared = pending;
  pending = null;
  $("confirm").close();
  if (!prepared) return;
  try {
    say("Signing in this page…");
    const signed = await signRaw(prepared.tx);
    const submitted = signed.raw ? await call("POST", "/v1/tx", { raw: signed.raw }) : { tx_hash: signed.hash };
    say(`Submitted ${submitted.tx_hash}; waiting until it is indexed…`);
    for (let i = 0; i < 300; i++) {
      const status = await call("GET", `/v1/tx/${submitted.tx_hash}`);
      if (status.status === "indexed") {
        say(`Done: ${prepared.action} is on the ledger (${status.events.map((e) => e.name).join(", ")}).`);
        refresh();
        return;
      }
      if (status.status === "reverted") {
        say(`${prepared.action} failed: ${status.error ? status.error.message : "reverted"}`, true);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    say(`${prepared.action}: not indexed yet; it will appear when it is.`, true);
  } catch (err) {
    say(`${prepared.action}: ${err.message}`, true);
  }
}

export function cancelPending() {
  pending = null;
  $("confirm").close();
  say("Cancelled.");
}

// every htmx request carries the bearer token (kept in this page's memory only)
document.addEventListener("htmx:configRequest", (event) => {
  if (token) event.detail.headers.Authorization = `Bearer ${token}`;
});

// buttons and forms in the panel say what to do with data-action / data-params (JSON); inputs named in
// data-inputs fill parameters from the form (rate in percent becomes bps)
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.dataset.action) return;
  event.preventDefault();
  if (form.dataset.batch) {
    const items = batchItems(form);
    if (!items.length) {
      say(`${form.dataset.action}: select at least one row first`, true);
      return;
    }
    act(form.dataset.action, items);
    return;
  }
  const params = JSON.parse(form.dataset.params || "{}");
  try {
    for (const input of form.querySelectorAll("[data-param]")) {
      const kind = input.dataset.kind;
      let value = input.value;
      if (kind === "percent") value = Math.round(Number(value) * 100);
      else if (kind === "bool") value = input.checked;
      else if (kind === "int") value = Number(value);
      else if (kind === "money") value = toUnits(value);
      else if (kind === "days") value = Math.round(Number(value) * 86400);
      params[input.dataset.param] = value;
    }
  } catch (err) {
    say(`${form.dataset.action}: ${err.message}`, true);
    return;
  }
  act(form.dataset.action, params);
});

// a batch form (data-batch="NAME") acts on the rows ticked in checkboxes marked data-batch-of="NAME": each box's
// value is the row's parameters (JSON) over the form's data-params; data-batch-fields keeps only the fields named.
// The write API sends the list as one multicall transaction.
function batchItems(form) {
  const base = JSON.parse(form.dataset.params || "{}");
  const keep = form.dataset.batchFields ? form.dataset.batchFields.split(",") : null;
  return Array.from(document.querySelectorAll(`input[data-batch-of="${form.dataset.batch}"]:checked`)).map((box) => {
    const item = { ...base, ...JSON.parse(box.value) };
    return keep ? Object.fromEntries(Object.entries(item).filter(([k]) => keep.includes(k) || k in base)) : item;
  });
}

// downloads that need the bearer token (a plain link cannot carry it): fetched here, saved from a blob
document.addEventListener("click", async (event) => {
  const link = event.target.closest?.("a[data-download]");
  if (!link) return;
  event.preventDefault();
  try {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    const response = await fetch(link.getAttribute("href"), { headers });
    if (!response.ok) throw new Error(`the download answered ${response.status}`);
    const url = URL.createObjectURL(await response.blob());
    const save = Object.assign(document.createElement("a"), { href: url, download: link.dataset.download });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    say(`Download failed: ${err.message}`, true);
  }
});

// "select all" boxes (data-select-all="NAME") tick or clear the page's boxes of that batch
document.addEventListener("change", (event) => {
  const all = event.target.dataset?.selectAll;
  if (!all) return;
  for (const box of document.querySelectorAll(`input[data-batch-of="${all}"]`)) box.checked = event.target.checked;
});

document.addEventListener("DOMContentLoaded", () => {
  $("wallet-signin")?.addEventListener("click", () => signInWithWallet());
  $("keystore-form")?.addEventListener("submit", (event) => {
    event.preventDefault();
    signInWithKeystore($("keystore-file").files[0], $("keystore-password").value);
  });
  $("confirm-sign")?.addEventListener("click", () => signPending());
  $("confirm-cancel")?.addEventListener("click", () => cancelPending());
});
