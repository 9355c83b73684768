// The article's training cost of GPT-3 and PaLM on TPU v4, with an uncertain MFU and chip-hour
// price (90% intervals, lognormal: Squiggle's `a to b`), N samples. Prints percentiles as JSON
// and the time the run took inside node.
import { run, defaultEnvironment } from "@quri/squiggle-lang";
const samples = Number(process.argv[2] ?? 1000000);
const code = `
mfu = 0.35 to 0.55
price = 1.6 to 2.6
peak = 275e12
gpt3 = 6 * 175e9 * 300e9 / (peak * 3600 * mfu) * price
palm = 6 * 540e9 * 780e9 / (peak * 3600 * mfu) * price
stats(d) = { mean: mean(d), p5: quantile(d, 0.05), p25: quantile(d, 0.25), p50: quantile(d, 0.5), p75: quantile(d, 0.75), p95: quantile(d, 0.95) }
{ gpt3: stats(gpt3), palm: stats(palm) }
`;
const t0 = performance.now();
const out = await run(code, { environment: { ...defaultEnvironment, sampleCount: samples, seed: "flopsheet" } });
const t1 = performance.now();
if (!out.result.ok) { console.error(out.result.value.toString()); process.exit(1); }
console.log(JSON.stringify({ samples, ms: t1 - t0, result: JSON.parse(JSON.stringify(out.result.value.result.asJS ? out.result.value.result.asJS() : out.result.value.result.toString())) }));
