//! LLM economics as practitioners compute it today: the `transformer` method pack (parameters
//! from the architecture, FLOPs, KV cache, roofline, memory), the `serving` and
//! `frontier_training` workbooks. Values against hand computation (1e-9 relative), against
//! published figures (rounded as published), and against llm-analysis (docs/validation.md).

use crate::util::*;
use serde_json::{Map, Value};

/// Evaluates `formulas` (name → formula over the `transformer` pack) in a scratch workbook.
#[track_caller]
fn transformer(formulas: &[(&str, &str)]) -> Map<String, Value> {
    let sandbox = Sandbox::new();
    let cells: Vec<String> = formulas.iter().map(|(n, f)| format!("{n:?}: {f:?}")).collect();
    sandbox.write(
        "t.ron",
        &format!(
            "Workbook(title: \"t\", packs: [\"transformer\"], cells: {{ {} }})",
            cells.join(", ")
        ),
    );
    let names: Vec<&str> = formulas.iter().map(|(n, _)| *n).collect();
    let out = sandbox
        .flopsheet()
        .arg("get")
        .arg("t.ron")
        .args(&names)
        .args(["--format", "json"])
        .run()
        .clean();
    match out.json() {
        Value::Object(map) => map,
        _ => panic!("{out:?}"),
    }
}

/// A dense decoder's parameters by hand: per layer Q, K, V, O, a gated or plain MLP and two
/// norms; a final norm; embeddings once or twice.
#[allow(clippy::too_many_arguments)]
fn dense_params(l: f64, d: f64, h: f64, kv: f64, hd: f64, ffn: f64, mats: f64, vocab: f64, tied: f64) -> f64 {
    let attention = d * h * hd * 2.0 + d * kv * hd * 2.0;
    l * (attention + mats * d * ffn + 2.0 * d) + d + vocab * d * (2.0 - tied)
}

#[test]
fn parameters_from_the_architecture() {
    let got = transformer(&[
        ("llama31_8b", "dense_params(32, 4096, 32, 8, 128, 14336, 3, 128256, 0)"),
        ("llama31_70b", "dense_params(80, 8192, 64, 8, 128, 28672, 3, 128256, 0)"),
        (
            "llama31_405b",
            "dense_params(126, 16384, 128, 8, 128, 53248, 3, 128256, 0)",
        ),
        ("gpt3", "dense_params(96, 12288, 96, 96, 128, 49152, 2, 50257, 1)"),
        (
            "ds_attention",
            "mla_attention_params(7168, 128, 1536, 512, 128, 64, 128)",
        ),
        (
            "deepseek_v3",
            "moe_params(61, 3, 7168, ds_attention, 18432, 256, 1, 2048, 3, 129280, 0)",
        ),
        (
            "deepseek_v3_active",
            "moe_active_params(61, 3, 7168, ds_attention, 18432, 256, 8, 1, 2048, 3, 129280, 0)",
        ),
        (
            "mixtral",
            "moe_params(32, 0, 4096, attention_params(4096, 32, 8, 128), 0, 8, 0, 14336, 3, 32000, 0)",
        ),
        (
            "mixtral_active",
            "moe_active_params(32, 0, 4096, attention_params(4096, 32, 8, 128), 0, 8, 2, 0, 14336, 3, 32000, 0)",
        ),
    ]);
    // Exact: our arithmetic.
    expect_exact(
        got.num("llama31_8b"),
        dense_params(32.0, 4096.0, 32.0, 8.0, 128.0, 14336.0, 3.0, 128256.0, 0.0),
    );
    expect_exact(
        got.num("gpt3"),
        dense_params(96.0, 12288.0, 96.0, 96.0, 128.0, 49152.0, 2.0, 50257.0, 1.0),
    );
    let mla = 7168.0 * 1536.0
        + 1536.0
        + 1536.0 * 128.0 * 192.0
        + 7168.0 * 576.0
        + 512.0
        + 512.0 * 128.0 * 256.0
        + 128.0 * 128.0 * 7168.0;
    expect_exact(got.num("ds_attention"), mla);
    let expert = 3.0 * 7168.0 * 2048.0;
    let deepseek = 61.0 * (mla + 2.0 * 7168.0)
        + 3.0 * 3.0 * 7168.0 * 18432.0
        + 58.0 * (257.0 * expert + 256.0 * 7168.0)
        + 7168.0
        + 2.0 * 129280.0 * 7168.0;
    expect_exact(got.num("deepseek_v3"), deepseek);
    expect_exact(got.num("deepseek_v3_active"), deepseek - 58.0 * 248.0 * expert);
    // Against the published counts, to the digits published.
    expect_rounds_to(got.num("llama31_8b") / 1e9, 8.03, 2); // Llama 3.1 model card: 8.03B
    expect_rounds_to(got.num("llama31_70b") / 1e9, 70.6, 1); // 70.6B
    expect_rounds_to(got.num("llama31_405b") / 1e9, 406.0, 0); // "405B" (config: 405.9B)
    expect_rounds_to(got.num("deepseek_v3") / 1e9, 671.0, 0); // 671B total (tech report)
    expect_rounds_to(got.num("deepseek_v3_active") / 1e9, 38.0, 0); // 37B active (report), 37.6 with embeddings
    expect_rounds_to(got.num("mixtral") / 1e9, 46.7, 1); // Mixtral 8x7B: 46.7B total
    expect_rounds_to(got.num("mixtral_active") / 1e9, 12.9, 1); // 12.9B active
    expect_rounds_to(got.num("gpt3") / 1e9, 175.0, 0); // 174.6B without biases and positions
}

#[test]
fn flops_kv_cache_roofline_and_memory() {
    let got = transformer(&[
        ("train_6nd", "train_flops_6nd(70e9, 2e12)"),
        ("per_token", "train_flops_per_token(175e9, 96, 12288, 2048, 0)"),
        (
            "per_token_recompute",
            "train_flops_per_token(175e9, 96, 12288, 2048, 1)",
        ),
        ("decode", "forward_flops_per_token(70e9, 80, 64, 128, 1000)"),
        ("prefill", "prefill_flops(70e9, 80, 64, 128, 1000)"),
        ("kv", "kv_values_per_token(80, 8, 128)"),
        (
            "kv_bytes",
            "kv_cache_bytes(kv_values_per_token(80, 8, 128), 2, 32 * 1250)",
        ),
        ("moe_read_small", "weights_read_per_step(671e9, 37e9, 4)"),
        ("moe_read_large", "weights_read_per_step(671e9, 37e9, 64)"),
        ("memory_bound", "roofline_s(2 * 70e9, 140e9, 989e12, 0.5, 3.35e12, 0.6)"),
        (
            "compute_bound",
            "roofline_s(512 * 2 * 70e9, 140e9, 989e12, 0.5, 3.35e12, 0.6)",
        ),
        ("allreduce", "tp_allreduce_s(80, 32, 8192, 2, 4, 900e9)"),
        ("allreduce_one_gpu", "tp_allreduce_s(80, 32, 8192, 2, 1, 900e9)"),
        ("state_zero1", "train_state_bytes_per_gpu(175e9, 2, 8, 16, 8, 1)"),
        ("state_zero3", "train_state_bytes_per_gpu(175e9, 2, 8, 16, 8, 3)"),
        (
            "activations",
            "activation_bytes_per_gpu(96, 2048, 1, 12288, 96, 8, 16, 0)",
        ),
        (
            "activations_full",
            "activation_bytes_per_gpu(96, 2048, 1, 12288, 96, 8, 16, 2)",
        ),
        (
            "inference",
            "inference_bytes(70e9, 2, kv_values_per_token(80, 8, 128), 2, 32 * 1250)",
        ),
    ]);
    expect_exact(got.num("train_6nd"), 6.0 * 70e9 * 2e12);
    expect_exact(got.num("per_token"), 6.0 * 175e9 + 12.0 * 96.0 * 12288.0 * 2048.0);
    expect_exact(
        got.num("per_token_recompute"),
        (6.0 * 175e9 + 12.0 * 96.0 * 12288.0 * 2048.0) * 4.0 / 3.0,
    );
    expect_exact(got.num("decode"), 2.0 * 70e9 + 4.0 * 80.0 * 64.0 * 128.0 * 1000.0);
    expect_exact(
        got.num("prefill"),
        2.0 * 70e9 * 1000.0 + 2.0 * 80.0 * 64.0 * 128.0 * 1000.0 * 1001.0,
    );
    expect_exact(got.num("kv"), 163_840.0); // 2 × 80 × 8 × 128: 320 KiB a token in bf16
    expect_exact(got.num("kv_bytes"), 163_840.0 * 2.0 * 40_000.0);
    expect_exact(got.num("moe_read_small"), 4.0 * 37e9);
    expect_exact(got.num("moe_read_large"), 671e9);
    expect_exact(got.num("memory_bound"), 140e9 / (3.35e12 * 0.6));
    expect_exact(got.num("compute_bound"), 512.0 * 2.0 * 70e9 / (989e12 * 0.5));
    expect_exact(
        got.num("allreduce"),
        2.0 * 80.0 * 2.0 * 3.0 / 4.0 * 32.0 * 8192.0 * 2.0 / 450e9,
    );
    expect_exact(got.num("allreduce_one_gpu"), 0.0);
    expect_exact(got.num("state_zero1"), 175e9 / 128.0 * (2.0 + 2.0 + 12.0 / 8.0));
    expect_exact(got.num("state_zero3"), 175e9 / 128.0 * (2.0 + 2.0 + 12.0) / 8.0);
    expect_exact(
        got.num("activations"),
        96.0 / 16.0 * 2048.0 * 12288.0 * (34.0 + 5.0 * 96.0 * 2048.0 / 12288.0) / 8.0,
    );
    expect_exact(got.num("activations_full"), 96.0 / 16.0 * 2048.0 * 12288.0 * 2.0);
    expect_exact(got.num("inference"), 140e9 + 163_840.0 * 2.0 * 40_000.0);
}

/// The pack figures the serving workbook reads, through `get` (the packs are held by their own
/// tests; this one holds the workbook's arithmetic).
fn figures(names: &[&str], model: &str, hardware: &str) -> Map<String, Value> {
    let slots = [format!("--slot=model={model}"), format!("--slot=hardware={hardware}")];
    get_with("workbooks/serving.ron", names, &[&slots[0], &slots[1]])
}

/// One serving configuration: its packs and inputs.
struct Config {
    model: &'static str,
    hardware: &'static str,
    gpus: f64,
    batch: f64,
    bytes_per_param: f64,
    comm: f64,
}

/// The serving workbook's contract cells, computed here from the definitions.
fn serving_by_hand(c: &Config) -> Vec<(&'static str, f64)> {
    let m = |k: &str| format!("{}.{k}", c.model);
    let h = |k: &str| format!("{}.{k}", c.hardware);
    let peak_key = match c.bytes_per_param {
        b if b >= 2.0 => "peak_flops_bf16",
        b if b >= 1.0 => "peak_flops_fp8",
        _ => "peak_flops_fp4",
    };
    let names = [
        m("params"),
        m("active_params"),
        m("layers"),
        m("heads"),
        m("head_dim"),
        m("d_model"),
        m("kv_values_per_token"),
        h(peak_key),
        h("memory_bytes"),
        h("memory_bandwidth_bytes_per_s"),
        h("interconnect_bytes_per_s"),
        h("usd_per_hour"),
    ];
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let f = figures(&refs, c.model, c.hardware);
    let v = |i: usize| f.num(&names[i]);
    let (params, active, layers, heads, head_dim, d_model, kv_values) = (v(0), v(1), v(2), v(3), v(4), v(5), v(6));
    let (peak, memory, bandwidth, link, usd_per_hour) = (v(7), v(8), v(9), v(10), v(11));
    // The workbook's other inputs, at their shipped values.
    let (prompt, output, kv_bytes, mfu, mbu, activation_bytes) = (1000.0, 250.0, 2.0, 0.5, 0.6, 2.0);
    let (g, b) = (c.gpus, c.batch);
    let ctx = prompt + output / 2.0;
    let weights_bytes = params * c.bytes_per_param;
    let kv_cache_bytes = b * (prompt + output) * kv_values * kv_bytes;
    let fits = if weights_bytes + kv_cache_bytes <= g * memory {
        1.0
    } else {
        0.0
    };
    let flops_per_token = 2.0 * active + 4.0 * layers * heads * head_dim * ctx;
    // Two all-reduces a layer, each its data over one direction of the link (a ring sends
    // 2(g − 1)/g of it), or the link's 8 µs latency, whichever is longer.
    let allreduce = |tokens: f64| {
        if g > 1.0 {
            let one = 2.0 * (g - 1.0) / g * tokens * d_model * activation_bytes / (link / 2.0);
            c.comm * 2.0 * layers * one.max(8e-6)
        } else {
            0.0
        }
    };
    let compute = b * flops_per_token / (g * peak * mfu);
    let memory_time =
        ((params.min(b * active)) * c.bytes_per_param + b * ctx * kv_values * kv_bytes) / (g * bandwidth * mbu);
    let decode_step = compute.max(memory_time) + allreduce(b);
    let prefill_flops = 2.0 * active * prompt + 2.0 * layers * heads * head_dim * prompt * (prompt + 1.0);
    let prefill = b * prefill_flops / (g * peak * mfu) + allreduce(b * prompt);
    let usd_per_replica_second = g * usd_per_hour / 3600.0;
    vec![
        ("weights_bytes", weights_bytes),
        ("kv_cache_bytes", kv_cache_bytes),
        ("fits", fits),
        ("prefill_s", prefill),
        ("decode_step_s", decode_step),
        ("output_tokens_per_s", b / decode_step),
        (
            "usd_per_1m_output_tokens",
            usd_per_replica_second * decode_step / b * 1e6,
        ),
        (
            "usd_per_1m_input_tokens",
            usd_per_replica_second * prefill / (b * prompt) * 1e6,
        ),
    ]
}

#[test]
fn serving_matches_hand_computation_for_dense_and_moe_models() {
    let configs = [
        // Dense, bf16, tensor parallel over 4 H100s, memory-bound at batch 32.
        Config {
            model: "llama31_70b",
            hardware: "h100_sxm",
            gpus: 4.0,
            batch: 32.0,
            bytes_per_param: 2.0,
            comm: 1.0,
        },
        // Dense, one A100, batch 1: the memory-bound extreme.
        Config {
            model: "llama31_8b",
            hardware: "a100_80gb",
            gpus: 1.0,
            batch: 1.0,
            bytes_per_param: 2.0,
            comm: 1.0,
        },
        // MoE in fp8 on 8 H200s: a batch of 8 reads 8 × 37B of weights, not all 671B.
        Config {
            model: "deepseek_v3",
            hardware: "h200",
            gpus: 8.0,
            batch: 8.0,
            bytes_per_param: 1.0,
            comm: 1.0,
        },
        // The same at batch 512: the reads cap at all the weights.
        Config {
            model: "deepseek_v3",
            hardware: "h200",
            gpus: 8.0,
            batch: 512.0,
            bytes_per_param: 1.0,
            comm: 1.0,
        },
        // Dense 405B in fp8 on 8 H100s, large batch, all-reduce left out.
        Config {
            model: "llama31_405b",
            hardware: "h100_sxm",
            gpus: 8.0,
            batch: 1024.0,
            bytes_per_param: 1.0,
            comm: 0.0,
        },
        // MoE Mixtral on 2 H100s in bf16.
        Config {
            model: "mixtral_8x7b",
            hardware: "h100_sxm",
            gpus: 2.0,
            batch: 16.0,
            bytes_per_param: 2.0,
            comm: 1.0,
        },
    ];
    for c in &configs {
        let want = serving_by_hand(c);
        let names: Vec<&str> = want.iter().map(|(n, _)| *n).collect();
        let args = [
            format!("--slot=model={}", c.model),
            format!("--slot=hardware={}", c.hardware),
            format!("--set=gpus={}", c.gpus),
            format!("--set=batch={}", c.batch),
            format!("--set=bytes_per_param={}", c.bytes_per_param),
            format!("--set=comm={}", c.comm),
        ];
        let extra: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = get_with("workbooks/serving.ron", &names, &extra);
        for (name, value) in &want {
            let got = got.num(name);
            assert!(
                (got - value).abs() <= 1e-9 * value.abs(),
                "{} on {} × {} (batch {}): {name} = {got}, by hand {value}",
                c.model,
                c.gpus,
                c.hardware,
                c.batch
            );
        }
    }
}

/// Decode is memory-bound at small batches: the FLOPs-only method of 2023 undercounts the
/// cost of a token there, by the ratio of memory to compute time; a batch at the ridge makes
/// them agree.
#[test]
fn flops_only_undercounts_memory_bound_decode() {
    let got = get_with(
        "workbooks/serving.ron",
        &[
            "flops_only_underestimate",
            "decode_memory_s",
            "decode_compute_s",
            "ridge_batch",
        ],
        &["--set", "batch=1", "--set", "comm=0"],
    );
    expect_exact(
        got.num("flops_only_underestimate"),
        got.num("decode_memory_s") / got.num("decode_compute_s"),
    );
    // Llama 3.1 70B on 4 H100s at batch 1, all-reduces counted: 259× too cheap (the README
    // says so).
    let readme = get_with(
        "workbooks/serving.ron",
        &["flops_only_underestimate"],
        &["--set", "batch=1"],
    );
    expect_rounds_to(readme.num("flops_only_underestimate"), 259.0, 0);
    let ridge = got.num("ridge_batch");
    let at_ridge = get_with(
        "workbooks/serving.ron",
        &["decode_memory_s", "decode_compute_s"],
        &["--set", &format!("batch={ridge}"), "--set", "comm=0"],
    );
    expect_exact(at_ridge.num("decode_memory_s"), at_ridge.num("decode_compute_s"));
}

/// Each published run: FLOPs, implied MFU and cost from the figures the teams publish.
#[test]
fn frontier_training_runs_against_their_published_figures() {
    let wb = "workbooks/frontier_training.ron";
    // (row, active parameters, training tokens, reported GPU-hours, dense BF16 peak of the GPU)
    let runs = [
        ("llama2_70b", 70e9, 2.0e12, 1_720_320.0, 312e12),
        ("llama31_405b", 405.9e9, 15e12, 30.84e6, 989e12),
        ("deepseek_v3", 37e9, 14.8e12, 2.788e6, 989e12),
    ];
    for (row, active, tokens, hours, peak) in runs {
        let names: Vec<String> = ["flops", "implied_mfu", "cost_usd", "gpu_hours"]
            .iter()
            .map(|c| format!("runs.{row}.{c}"))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let got = get_with(wb, &refs, &[]);
        let flops = 6.0 * active * tokens;
        expect_exact(got.num(&names[0]), flops);
        expect_exact(got.num(&names[1]), flops / (hours * 3600.0 * peak));
        expect_exact(got.num(&names[2]), hours * 2.0);
        expect_exact(got.num(&names[3]), hours);
    }
    // As published: DeepSeek-V3 cost $5.576M at $2/h (report, Table 1); the implied MFUs.
    let got = get_with(
        wb,
        &[
            "runs.deepseek_v3.cost_usd",
            "runs.deepseek_v3.implied_mfu",
            "runs.llama31_405b.implied_mfu",
            "runs.llama2_70b.implied_mfu",
        ],
        &[],
    );
    expect_rounds_to(got.num("runs.deepseek_v3.cost_usd") / 1e6, 5.576, 3);
    expect_rounds_to(got.num("runs.deepseek_v3.implied_mfu") * 100.0, 33.1, 1);
    expect_rounds_to(got.num("runs.llama31_405b.implied_mfu") * 100.0, 33.3, 1);
    expect_rounds_to(got.num("runs.llama2_70b.implied_mfu") * 100.0, 43.5, 1);
    // GPT-3's GPU-hours were never published: its implied MFU is n/a, not a made-up number.
    let out = flopsheet(&["get", wb, "runs.gpt3.implied_mfu", "--format", "json"]);
    assert_eq!(out.json()["runs.gpt3.implied_mfu"], "#N/A", "{out:?}");
    // The detailed count: 6N + 12·L·(a·hd)·s per token, at the pre-training sequence length.
    let got = get_with(wb, &["runs.llama31_405b.flops_detailed"], &[]);
    expect_exact(
        got.num("runs.llama31_405b.flops_detailed"),
        15e12 * (6.0 * 405.9e9 + 12.0 * 126.0 * (128.0 * 128.0) * 8192.0),
    );
    // Held against reality: the references pass with the stated tolerances.
    flopsheet(&["check", wb, "--references"])
        .success()
        .stdout_has("2 references within tolerance");
    // Calibrate: the MFU at which the estimate meets Meta's published GPU-hours.
    let out = flopsheet(&[
        "solve",
        wb,
        "--target",
        "runs.llama31_405b.gpu_hours_at_reported_mfu=reference",
        "--by",
        "llama31_405b.training_mfu",
        "--format",
        "json",
    ])
    .success();
    let mfu = out.json()["rows"][0]["value"]
        .as_f64()
        .unwrap_or_else(|| panic!("{out:?}"));
    // Brent's method to its tolerance, not to the last bit.
    let want = 6.0 * 405.9e9 * 15e12 / (30.84e6 * 3600.0 * 989e12);
    assert!((mfu - want).abs() < 1e-9 * want, "{mfu} vs {want}");
}

/// llm-analysis 0.2.2 (`pip install llm-analysis==0.2.2`; the scripts in docs/validation/):
/// GPT-3 175B on 1,024 A100-80GB, seq 2048, global batch 1536, TP 8, PP 16, flops_efficiency
/// 0.213, 300B tokens: 1,349,727.2 GPU-hours, 1,799,636.3 with full recomputation. The detailed
/// count with the parameters from the architecture (llm-analysis's megatron-lm-175b config,
/// vocabulary padded to 50,272) lands within 0.1% of both.
#[test]
fn gpt3_training_agrees_with_llm_analysis() {
    let hours = |recompute: u8| {
        format!(
            "300e9 * train_flops_per_token(dense_params(96, 12288, 96, 96, 128, 49152, 2, 50272, 1), 96, 12288, 2048, {recompute}) / (312e12 * 0.213 * 3600)"
        )
    };
    let (plain, recompute) = (hours(0), hours(1));
    let got = transformer(&[
        ("params", "dense_params(96, 12288, 96, 96, 128, 49152, 2, 50272, 1)"),
        ("hours", &plain),
        ("hours_recompute", &recompute),
    ]);
    // The parameter count is llm-analysis's num_params_total, to the parameter.
    expect_exact(got.num("params"), 174_566_289_408.0);
    for (name, theirs) in [
        ("hours", 1_349_727.218_554_055),
        ("hours_recompute", 1_799_636.291_405_406),
    ] {
        let ours = got.num(name);
        assert!(
            (ours / theirs - 1.0).abs() < 0.001,
            "{name}: {ours} vs llm-analysis {theirs}"
        );
    }
}

/// llm-analysis 0.2.2 inference of Llama 2 70B (its own config: 55.3B parameters, an MLP of two
/// 32,768-wide matrices) on A100-80GB at TP 4 and 8, batch 1 and 32, prompt 1,000, 250 tokens
/// generated, flops_efficiency 0.5, hbm_memory_efficiency 0.6. The serving workbook with the same
/// terms counted (its parameter count, the KV cache at the full length, read twice a step as
/// llm-analysis does: kv_bytes_per_value 4) agrees within 5% on decode and prefill.
#[test]
fn llama2_70b_inference_agrees_with_llm_analysis() {
    // (tp, batch, decode_latency, prefill_latency) as llm-analysis prints them.
    let theirs = [
        (4, 1, 0.02437803974738749, 0.1961061360817897),
        (4, 32, 0.029684892776298086, 6.262111306391016),
        (8, 1, 0.01304729484508495, 0.10706008967895271),
        (8, 32, 0.01570072135954025, 3.412637821500232),
    ];
    for (tp, batch, decode, prefill) in theirs {
        let common = [
            "--slot=model=llama2_70b".to_string(),
            "--slot=hardware=a100_80gb".to_string(),
            format!("--set=gpus={tp}"),
            format!("--set=batch={batch}"),
            "--set=llama2_70b.params=55292731392".to_string(),
        ];
        let mut decode_args = common.to_vec();
        decode_args.extend(
            [
                "--set=prompt_tokens=1250",
                "--set=output_tokens=0",
                "--set=kv_bytes_per_value=4",
            ]
            .map(String::from),
        );
        let args: Vec<&str> = decode_args.iter().map(String::as_str).collect();
        let ours = get_with("workbooks/serving.ron", &["decode_step_s"], &args).num("decode_step_s");
        assert!(
            (ours / decode - 1.0).abs() < 0.05,
            "TP {tp}, batch {batch}: decode {ours} vs {decode}"
        );
        let args: Vec<&str> = common.iter().map(String::as_str).collect();
        let ours = get_with("workbooks/serving.ron", &["prefill_s"], &args).num("prefill_s");
        assert!(
            (ours / prefill - 1.0).abs() < 0.05,
            "TP {tp}, batch {batch}: prefill {ours} vs {prefill}"
        );
    }
}

/// MLPerf Inference v4.1 (Llama 2 70B offline, 8 GPUs): the estimate beside the measurement,
/// computed by hand from the same roofline, and the MFU the measurement implies.
#[test]
fn serving_beside_mlperf() {
    let wb = "workbooks/serving.ron";
    let got = get_with(
        wb,
        &[
            "mlperf_systems.mlperf_h100.batch_per_replica",
            "mlperf_systems.mlperf_h100.tokens_per_s",
        ],
        &[],
    );
    let (params, kv, layers, heads, head_dim): (f64, f64, f64, f64, f64) = (70e9, 163_840.0, 80.0, 64.0, 128.0);
    let (tp, prompt, output): (f64, f64, f64) = (2.0, 300.0, 292.0);
    let batch = ((tp * 80e9 - params) / ((prompt + output) * kv)).floor();
    expect_exact(got.num("mlperf_systems.mlperf_h100.batch_per_replica"), batch);
    let ctx = prompt + output / 2.0;
    let flops = 2.0 * params + 4.0 * layers * heads * head_dim * ctx;
    let step = (batch * flops / (tp * 1979e12 * 0.5)).max((params + batch * ctx * kv) / (tp * 3.35e12 * 0.6));
    expect_exact(
        got.num("mlperf_systems.mlperf_h100.tokens_per_s"),
        8.0 / tp * batch / step,
    );
    // The submitted 24,524.9 tokens/s implies a compute efficiency near 22%.
    let out = flopsheet(&[
        "solve",
        wb,
        "--target",
        "mlperf_systems.mlperf_h100.tokens_per_s=reference",
        "--by",
        "mlperf.mfu",
        "--format",
        "csv",
    ])
    .success();
    let mfu: f64 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("mlperf.mfu,"))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{out:?}"));
    expect_rounds_to(mfu * 100.0, 21.9, 1);
}
