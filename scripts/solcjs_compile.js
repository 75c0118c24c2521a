// Compile one Solidity standard-JSON input (stdin) with the pinned solc-js; print the output JSON (stdout).
// Every source is already inlined by the Python build, so no import callback is needed.
"use strict";
const solc = require("solc");
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const output = solc.compile(input);
  process.stdout.write(JSON.stringify({ version: solc.version(), output: JSON.parse(output) }));
});
