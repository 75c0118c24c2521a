// An independent client of the gateway's write API: Node + ethers from npm, no code shared with the project.
// For each step it signs in with SIWE (EIP-4361), prepares the action, signs the unsigned transaction locally,
// submits the raw bytes and follows the transaction to `indexed`. Prints one JSON line per step.
//
// env: SCF_GATEWAY (http://127.0.0.1:PORT), SCF_STEPS (JSON list of {key, action, params}), SCF_TIMEOUT_MS.
import { Wallet, Transaction } from "ethers";

const base = process.env.SCF_GATEWAY;
const steps = JSON.parse(process.env.SCF_STEPS ?? "[]");
const timeoutMs = Number(process.env.SCF_TIMEOUT_MS ?? "60000");

async function call(method, path, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await response.json();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(data)}`);
  return data;
}

async function signIn(wallet) {
  const n = await call("GET", "/v1/auth/nonce");
  const message = [
    `${n.domain} wants you to sign in with your Ethereum account:`,
    wallet.address,
    "",
    "Sign in to the SCF ledger gateway.",
    "",
    `URI: ${n.uri}`,
    `Version: ${n.version}`,
    `Chain ID: ${n.chain_id}`,
    `Nonce: ${n.nonce}`,
    `Issued At: ${new Date().toISOString()}`,
  ].join("\n");
  const signature = await wallet.signMessage(message); // personal_sign
  return (await call("POST", "/v1/auth/login", { message, signature })).access_token;
}

async function run(step) {
  const wallet = new Wallet(step.key);
  const token = await signIn(wallet);
  const prepared = await call("POST", "/v1/tx/prepare", { action: step.action, params: step.params }, token);
  if (prepared.would_revert) throw new Error(`${step.action} would revert: ${prepared.would_revert.message}`);
  const t = prepared.tx;
  const tx = Transaction.from({
    type: t.type, to: t.to, data: t.data, value: BigInt(t.value), gasLimit: BigInt(t.gas), nonce: t.nonce,
    chainId: BigInt(t.chainId),
    ...(t.type === 2
      ? { maxFeePerGas: BigInt(t.maxFeePerGas), maxPriorityFeePerGas: BigInt(t.maxPriorityFeePerGas) }
      : { gasPrice: BigInt(t.gasPrice) }),
  });
  const raw = await wallet.signTransaction(tx);
  const submitted = await call("POST", "/v1/tx", { raw });
  const deadline = Date.now() + timeoutMs;
  let status;
  for (;;) {
    status = await call("GET", `/v1/tx/${submitted.tx_hash}`, undefined, token);
    if (status.status === "indexed" || status.status === "reverted") break;
    if (Date.now() > deadline) throw new Error(`${step.action}: still ${status.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log(JSON.stringify({
    action: step.action, from: wallet.address, tx_hash: submitted.tx_hash, status: status.status,
    events: status.events.map((e) => e.name), summary: prepared.summary,
  }));
  if (status.status !== "indexed") throw new Error(`${step.action} reverted: ${JSON.stringify(status.error)}`);
}

for (const step of steps) {
  await run(step);
}
